// bpmn-js-differ for the designer's comparison page (no UMD build is published, so esbuild bundles it).
import { diff } from "bpmn-js-differ";

window.BpmnDiffer = { diff };

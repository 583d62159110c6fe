// The designer's BPMN editor, bundled by esbuild (scripts/build-frontend.mjs) from npm packages pinned by
// package-lock.json: bpmn-js's modeler, the properties panel with SpiffWorkflow's properties, and bpmnlint's
// recommended rules run while editing (warnings only: the server's deploy checks are the judge).
import Modeler from "bpmn-js/lib/Modeler";
import { BpmnPropertiesPanelModule, BpmnPropertiesProviderModule } from "bpmn-js-properties-panel";
import lintModule from "bpmn-js-bpmnlint";

import lintConfig from "./lint-config.generated.js";
import SpiffPropertiesProvider from "./spiff-properties.js";
import spiffModdle from "./spiffworkflow.json";

const spiffPropertiesModule = {
  __init__: ["spiffPropertiesProvider"],
  spiffPropertiesProvider: ["type", SpiffPropertiesProvider],
};

// options: container, panel (element for the properties panel), catalog (see spiff-properties.js),
// translate (bpmn-js's translate function).
function create({ container, panel, catalog, translate }) {
  return new Modeler({
    container,
    propertiesPanel: { parent: panel },
    linting: { bpmnlint: lintConfig, active: true },
    spiffCatalog: catalog,
    moddleExtensions: { spiffworkflow: spiffModdle },
    additionalModules: [
      BpmnPropertiesPanelModule, BpmnPropertiesProviderModule, spiffPropertiesModule, lintModule,
      { translate: ["value", translate] },
    ],
  });
}

window.DesignerModeler = { create, spiffModdle };

// The designer area's diagrams: a version shown with bpmn.io's viewers, and edited with its modelers.
// The bundles come from the npm registry (scripts/build-frontend.mjs copies or bundles them into
// /static/build; the BPMN modeler with its properties panel and bpmnlint is frontend/modeler.js).
//
//   <div id="canvas" data-xml-url="…" data-kind="bpmn|dmn" data-marks='["Task_1", …]'></div>   a view
//   <div id="canvas" data-xml-url="…" data-kind="…" data-edit="1" data-file-input="#file"
//        data-form="#deploy-form" data-name="recognition.bpmn" data-panel="#properties"></div>   an editor
//   <section class="file-diff" data-old-xml-url="…" data-new-xml-url="…" data-added-ids="…" …>  a comparison
// Saving an edit puts the diagram into the deploy form's file input, so the server checks it like any
// upload (the server is the only judge of what may be deployed).
(function () {
  "use strict";

  // The editors' interface text in the user's language, from the catalogs (webapp/designer/editor.py),
  // handed to bpmn-js's and dmn-js's translation hook.
  var TEXT = JSON.parse((document.getElementById("editor-text") || {}).textContent || "{}");
  function translate(template, replacements) {
    replacements = replacements || {};
    template = TEXT[template] || template;
    return template.replace(/{([^}]+)}/g, function (_, key) { return replacements[key] || "{" + key + "}"; });
  }

  function editorFor(kind, edit, container) {
    if (kind === "dmn") {
      var Dmn = edit ? window.DmnJSModeler || window.DmnJS : window.DmnJS;
      var chinese = { additionalModules: [{ translate: ["value", translate] }] };
      return new Dmn({ container: container, common: { keyboard: { bindTo: window } },
                       drd: chinese, decisionTable: chinese, literalExpression: chinese });
    }
    if (edit && window.DesignerModeler) {  // our bundle: modeler + properties panel + bpmnlint
      return window.DesignerModeler.create({
        container: container, panel: document.querySelector(container.dataset.panel), translate: translate,
        catalog: JSON.parse(document.getElementById("editor-catalog").textContent)
      });
    }
    var Bpmn = window.BpmnJS;
    return new Bpmn({ container: container, additionalModules: [{ translate: ["value", translate] }] });
  }

  function showProblems(box, messages) {
    if (!box) return;
    box.textContent = "";
    messages.forEach(function (m) {
      var li = document.createElement("li");
      li.textContent = m;
      box.appendChild(li);
    });
  }

  async function open(container) {
    var kind = container.dataset.kind || "bpmn";
    var edit = container.dataset.edit === "1";
    var viewer = editorFor(kind, edit, container);
    var xml;
    if (container.dataset.draft) {  // a draft the server refused: edit it on, with its faults marked
      xml = document.querySelector(container.dataset.draft).value;
    } else {
      var response = await fetch(container.dataset.xmlUrl, { credentials: "same-origin" });
      xml = await response.text();
    }
    var result = await viewer.importXML(xml);
    var problems = document.querySelector(container.dataset.problems || "#import-warnings");
    showProblems(problems, (result.warnings || []).map(function (w) { return w.message; }));
    if (kind === "dmn") {
      // Open the (first) decision table itself rather than the requirements diagram around it.
      var table = viewer.getViews().filter(function (v) { return v.type === "decisionTable"; })[0];
      if (table) await viewer.open(table);
    }
    if (kind === "bpmn") {
      var canvas = viewer.get("canvas");
      canvas.zoom("fit-viewport");
      JSON.parse(container.dataset.marks || "[]").forEach(function (id) {
        try { canvas.addMarker(id, "changed"); } catch (e) { /* an element of the other version */ }
      });
      JSON.parse(container.dataset.problemMarks || "[]").forEach(function (id) {
        try { canvas.addMarker(id, "problem"); } catch (e) { /* the problem is about the file */ }
      });
    }
    container.setAttribute("data-ready", "1");
    if (edit) {
      var form = document.querySelector(container.dataset.form);
      var deployAction = form.action;
      var buttons = form.querySelectorAll("button[type=submit]");
      // Back from a trial report the browser may restore this page as it was: buttons usable again.
      window.addEventListener("pageshow", function () {
        buttons.forEach(function (b) { b.disabled = false; });
      });
      form.addEventListener("submit", async function (event) {
        // Every submit saves the diagram as it is now (never an earlier draft) and goes where the clicked
        // button says: the trial run, or the deploy. form.submit() below fires no second submit event.
        event.preventDefault();
        form.action = (event.submitter && event.submitter.dataset.action) || deployAction;
        buttons.forEach(function (b) { b.disabled = true; });
        var saved = await viewer.saveXML({ format: true });
        var input = form.querySelector(container.dataset.fileInput);
        var transfer = new DataTransfer();
        transfer.items.add(new File([saved.xml], container.dataset.name, { type: "application/xml" }));
        input.files = transfer.files;
        form.submit();
      });
    }
    window.diagram = viewer;  // for browser tests and the curious designer
  }

  // Two versions of a diagram side by side, the server's differences marked: removed on the old one, added
  // on the new one, changed on both; bpmn-js-differ adds the elements only moved on the canvas.
  async function compare(section) {
    var ids = function (how) { return (section.dataset[how + "Ids"] || "").split(" ").filter(Boolean); };
    var sides = [["old", ids("removed").concat(ids("changed"))], ["new", ids("added").concat(ids("changed"))]];
    var viewers = {};
    for (var i = 0; i < sides.length; i++) {
      var side = sides[i][0], url = section.dataset[side + "XmlUrl"];
      var host = section.querySelector(".diff-" + side);
      if (!url || !host) continue;
      var viewer = new window.BpmnJS({ container: host, additionalModules: [{ translate: ["value", translate] }] });
      var xml = await (await fetch(url, { credentials: "same-origin" })).text();
      await viewer.importXML(xml);
      var canvas = viewer.get("canvas");
      canvas.zoom("fit-viewport");
      var added = ids("added"), removed = ids("removed");
      sides[i][1].forEach(function (id) {
        var how = added.indexOf(id) >= 0 ? "added" : removed.indexOf(id) >= 0 ? "removed" : "changed";
        try { canvas.addMarker(id, how); } catch (e) { /* not drawn (a process, a message) */ }
      });
      viewers[side] = viewer;
    }
    if (viewers.old && viewers.new && window.BpmnDiffer) {
      var moved = window.BpmnDiffer.diff(viewers.old.getDefinitions(), viewers.new.getDefinitions())._layoutChanged;
      Object.keys(moved || {}).forEach(function (id) {
        try { viewers.new.get("canvas").addMarker(id, "moved"); } catch (e) { /* not drawn */ }
      });
    }
    section.setAttribute("data-ready", "1");
  }

  document.querySelectorAll("section.file-diff[data-kind=bpmn]").forEach(function (section) {
    compare(section).catch(function (error) {
      section.setAttribute("data-ready", "error");
      console.error(error);
    });
  });

  document.querySelectorAll("[data-xml-url]").forEach(function (container) {
    open(container).catch(function (error) {
      showProblems(document.querySelector("#import-warnings"), [String(error && error.message || error)]);
      container.setAttribute("data-ready", "error");
    });
  });
})();

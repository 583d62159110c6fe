// The designer area's diagrams: a version shown with bpmn.io's viewers, and edited with its modelers.
// The bundles come from the npm registry (scripts/build-frontend.mjs copies them into /static/build).
//
//   <div id="canvas" data-xml-url="…" data-kind="bpmn|dmn" data-marks='["Task_1", …]'></div>   a view
//   <div id="canvas" data-xml-url="…" data-kind="…" data-edit="1" data-file-input="#file"
//        data-form="#deploy-form" data-name="recognition.bpmn"></div>                       an editor
// Saving an edit puts the diagram into the deploy form's file input, so the server checks it like any
// upload (the server is the only judge of what may be deployed).
(function () {
  "use strict";

  // Chinese labels for the editor's palette and menus (bpmn-js translation hook).
  var ZH = {
    "Activate hand tool": "抓手工具", "Activate lasso tool": "套索工具",
    "Activate create/remove space tool": "插入/删除空间", "Activate global connect tool": "连线工具",
    "Create start event": "开始事件", "Create end event": "结束事件", "Create task": "任务",
    "Create gateway": "网关", "Create intermediate/boundary event": "中间/边界事件",
    "Create expanded sub-process": "子流程", "Create pool/participant": "泳池/参与者",
    "Create data object reference": "数据对象", "Create data store reference": "数据存储",
    "Create group": "分组", "Append task": "追加任务", "Append end event": "追加结束事件",
    "Append gateway": "追加网关", "Append intermediate/boundary event": "追加中间事件",
    "Append text annotation": "追加注释", "Connect using sequence/message flow or association": "连线",
    "Connect using association": "关联", "Connect to other element": "连接到其他元素",
    "Change type": "更改类型", "Change element": "更改元素", "Delete": "删除", "Remove": "删除",
    "Add lane above": "在上方添加泳道", "Add lane below": "在下方添加泳道",
    "Divide into two lanes": "拆分为两条泳道", "Divide into three lanes": "拆分为三条泳道",
    "User task": "用户任务", "Service task": "服务任务", "Script task": "脚本任务",
    "Business rule task": "业务规则任务", "Exclusive gateway": "排他网关", "Parallel gateway": "并行网关",
    "Event-based gateway": "事件网关", "Start event": "开始事件", "End event": "结束事件",
    "Message start event": "消息开始事件", "Timer start event": "定时开始事件",
    "Message intermediate catch event": "消息中间捕获事件", "Timer intermediate catch event": "定时中间捕获事件",
    "Terminate end event": "终止结束事件", "Task": "任务", "Sub-process (collapsed)": "子流程（折叠）",
    "Sub-process (expanded)": "子流程（展开）", "Search in diagram": "在图中搜索",
    // dmn-js
    "View DRD": "查看决策需求图", "Hit policy:": "命中策略：", "Hit Policy": "命中策略", "When": "当",
    "And": "且", "Then": "则", "Annotations": "注释", "Unique": "唯一（UNIQUE）", "Collect": "汇总（COLLECT）",
    "Add rule": "添加规则", "Add input": "添加输入列", "Add output": "添加输出列", "Input": "输入", "Output": "输出",
    "Delete rule": "删除规则", "Add rule above": "在上方添加规则", "Add rule below": "在下方添加规则",
    "Copy rule above": "复制到上方", "Copy rule below": "复制到下方", "Rule": "规则"
  };
  function translate(template, replacements) {
    replacements = replacements || {};
    template = ZH[template] || template;
    return template.replace(/{([^}]+)}/g, function (_, key) { return replacements[key] || "{" + key + "}"; });
  }

  function editorFor(kind, edit, container) {
    if (kind === "dmn") {
      var Dmn = edit ? window.DmnJSModeler || window.DmnJS : window.DmnJS;
      var chinese = { additionalModules: [{ translate: ["value", translate] }] };
      return new Dmn({ container: container, common: { keyboard: { bindTo: window } },
                       drd: chinese, decisionTable: chinese, literalExpression: chinese });
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
      form.addEventListener("submit", async function (event) {
        if (form.dataset.filled === "1") return;
        event.preventDefault();
        var saved = await viewer.saveXML({ format: true });
        var input = form.querySelector(container.dataset.fileInput);
        var transfer = new DataTransfer();
        transfer.items.add(new File([saved.xml], container.dataset.name, { type: "application/xml" }));
        input.files = transfer.files;
        form.dataset.filled = "1";
        form.submit();
      });
    }
    window.diagram = viewer;  // for browser tests and the curious designer
  }

  document.querySelectorAll("[data-xml-url]").forEach(function (container) {
    open(container).catch(function (error) {
      showProblems(document.querySelector("#import-warnings"), [String(error && error.message || error)]);
      container.setAttribute("data-ready", "error");
    });
  });
})();

// The case page's diagram: the version the case runs on, drawn by bpmn.io's viewer (the bundle the designer
// area uses, /static/build/bpmn-viewer.js), with each element marked by its state in this case. The states
// are the server's (webapp/supervision/case_state.py, from the case's stored engine state):
//
//   <div id="case-diagram" data-xml-url="…" data-participant="Pool_1"
//        data-current="id …" data-waiting="id …" data-completed="id …" data-cancelled="id …"></div>
//
// The script only draws; it decides nothing. `data-ready` becomes "1" once drawn (browser tests wait on it).
(function () {
  "use strict";

  var STATES = ["completed", "cancelled", "waiting", "current"];  // later ones are drawn over earlier ones

  function ids(container, state) {
    return (container.getAttribute("data-" + state) || "").split(" ").filter(Boolean);
  }

  async function draw(container) {
    var viewer = new window.BpmnJS({ container: container });
    var response = await fetch(container.dataset.xmlUrl, { credentials: "same-origin" });
    if (!response.ok) throw new Error("diagram " + response.status);
    await viewer.importXML(await response.text());
    var canvas = viewer.get("canvas");
    var registry = viewer.get("elementRegistry");
    STATES.forEach(function (state) {
      ids(container, state).forEach(function (id) {
        if (registry.get(id)) canvas.addMarker(id, "state-" + state);
      });
    });
    canvas.zoom("fit-viewport");
    // Readable rather than whole: the pool of this case (a file may hold several, e.g. the lifecycle and the
    // evaluation) fitted to the canvas's height, centred on the current step; the reader pans for the rest.
    var pool = container.dataset.participant && registry.get(container.dataset.participant);
    var focus = ids(container, "current").concat(ids(container, "waiting")).map(function (id) {
      return registry.get(id);
    }).filter(function (element) { return element && element.width; })[0] || pool;
    if (pool && pool.height) {
      var outer = canvas.viewbox().outer;
      var scale = Math.min(outer.height / (pool.height + 40), 1);
      var width = outer.width / scale, height = outer.height / scale;
      var cx = focus.x + focus.width / 2;
      var left = Math.max(pool.x - 20, Math.min(cx - width / 2, pool.x + pool.width + 20 - width));
      canvas.viewbox({ x: left, y: pool.y - 20, width: width, height: height });
    }
    container.setAttribute("data-ready", "1");
    window.caseDiagram = viewer;  // for browser tests
  }

  var container = document.getElementById("case-diagram");
  if (container && window.BpmnJS) {
    draw(container).catch(function (error) {
      container.setAttribute("data-ready", "error");
      container.textContent = String((error && error.message) || error);
    });
  }
})();

// A message counter for benchmarks: counts what reaches it and lets the harness wait for a total.
"use strict";
module.exports = function (RED) {
  function BenchSink(config) {
    RED.nodes.createNode(this, config);
    this.received = 0;
    this.on("input", (msg, send, done) => {
      this.received++;
      done();
    });
  }
  RED.nodes.registerType("bench-sink", BenchSink);
};

"""A Cog-protocol model server that does its work on a CUDA GPU (torch), for proving the agent
on a real GPU host. Speaks the subset the agent uses: GET /health-check, GET /openapi.json,
PUT /predictions/{id} with Prefer: respond-async and a webhook, POST /predictions/{id}/cancel.
Standard library + torch only."""
import json, os, threading, time, urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import torch

STATE = {"status": "STARTING", "setup": {}}
OPENAPI = {
    "openapi": "3.0.2",
    "info": {"title": "Cog", "version": "0.1.0"},
    "paths": {},
    "components": {"schemas": {
        "Input": {"title": "Input", "type": "object", "properties": {
            "size": {"type": "integer", "default": 4096, "minimum": 64, "maximum": 16384, "x-order": 0},
            "repeats": {"type": "integer", "default": 10, "minimum": 1, "maximum": 1000, "x-order": 1}}},
        "Output": {"title": "Output", "type": "object"},
    }},
}


def setup():
    started = time.time()
    x = torch.randn(1024, 1024, device="cuda")
    (x @ x).sum().item()
    STATE["status"] = "READY"
    STATE["setup"] = {"status": "succeeded", "logs": f"cuda ready on {torch.cuda.get_device_name(0)} in {time.time() - started:.2f}s\n"}


def post(url, body):
    req = urllib.request.Request(url, data=json.dumps(body).encode(), headers={"content-type": "application/json"}, method="POST")
    urllib.request.urlopen(req, timeout=10).read()


def run(pid, inp, webhook):
    size, repeats = int(inp.get("size", 4096)), int(inp.get("repeats", 10))
    a = torch.randn(size, size, device="cuda", dtype=torch.float16)
    torch.cuda.synchronize()
    t0 = time.time()
    for _ in range(repeats):
        a = (a @ a).clamp(-1, 1)
    torch.cuda.synchronize()
    secs = time.time() - t0
    tflops = 2 * size**3 * repeats / secs / 1e12
    out = {"device": torch.cuda.get_device_name(0), "cuda": torch.version.cuda, "size": size, "repeats": repeats,
           "seconds": round(secs, 4), "tflops_fp16": round(tflops, 1)}
    post(webhook, {"id": pid, "status": "succeeded", "output": out, "logs": f"matmul {size}x{size} x{repeats}\n",
                   "metrics": {"predict_time": secs}})


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def send(self, code, body):
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        if self.path == "/health-check":
            return self.send(200, STATE)
        if self.path == "/openapi.json":
            return self.send(200, OPENAPI)
        return self.send(200, {"cog_version": "gantry-gpu-proof"})

    def do_PUT(self):
        pid = self.path.rsplit("/", 1)[-1]
        body = json.loads(self.rfile.read(int(self.headers.get("content-length", 0))) or b"{}")
        threading.Thread(target=run, args=(pid, body.get("input") or {}, body["webhook"]), daemon=True).start()
        self.send(202, {"id": pid, "status": "processing"})

    def do_POST(self):
        self.send(404, {})


threading.Thread(target=setup, daemon=True).start()
ThreadingHTTPServer(("127.0.0.1", int(os.environ.get("PORT", "5000"))), Handler).serve_forever()

"""A keep-alive HTTP/1.1 server for benches/http_cost.rs: every GET gets the
same ~17 KB JSON body. It runs in its own process so that the client's CPU
time and syscalls can be measured alone."""
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

POST = ('{"kind":"t3","data":{"subreddit":"programming","title":"Which hashing '
        'algorithm is best for uniqueness and speed?","score":1191,"url":'
        '"https://softwareengineering.stackexchange.com/questions/49550/"}}')
BODY = ('{"kind":"Listing","data":{"children":[%s]}}'
        % ",".join([POST] * (17000 // len(POST)))).encode()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes: without this, Nagle and
    # delayed ACKs add ~40 ms to every response.
    disable_nagle_algorithm = True

    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(BODY)))
        self.end_headers()
        self.wfile.write(BODY)

    def log_message(self, *args):
        pass


ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()

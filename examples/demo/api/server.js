// Placeholder for the stack's API service.
require("http").createServer((req, res) => res.end("ok\n")).listen(3000);

// The part of http-server's library API that `npm start` uses (the package ships no types).
declare module 'http-server' {
  import type { Server } from 'node:http';
  interface Options { root: string; cache?: number; showDir?: 'false'; autoIndex?: 'false'; logFn?: () => void }
  interface HttpServer { server: Server; listen(port: number, host: string, done?: () => void): void; close(): void }
  export function createServer(options: Options): HttpServer;
}

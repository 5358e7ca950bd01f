// What a command reads and writes of its process: its output streams and its
// environment. The CLI passes the process's own; a caller running a command in
// its own process (a test) passes others.
export interface CliOutput {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface CliIo {
  stdout: CliOutput;
  stderr: CliOutput;
  env: NodeJS.ProcessEnv;
}

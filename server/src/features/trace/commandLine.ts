/**
 * Splits what the user typed into "Trace this command" into argv, like a shell's word
 * splitting and quote removal but with no expansion, redirection or pipes: the result goes to
 * execve as an argument array, never through a shell.
 */
export class CommandLineError extends Error {}

export function splitCommandLine(s: string): string[] {
  const out: string[] = [];
  let cur = '';
  let inWord = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === "'") {
      const end = s.indexOf("'", i + 1);
      if (end < 0) throw new CommandLineError(`unterminated ' quote at column ${i + 1}`);
      cur += s.slice(i + 1, end);
      i = end;
      inWord = true;
    } else if (c === '"') {
      let j = i + 1;
      for (; j < s.length && s[j] !== '"'; j++) {
        if (s[j] === '\\' && j + 1 < s.length && '"\\$`'.includes(s[j + 1])) j++;
        cur += s[j];
      }
      if (j >= s.length) throw new CommandLineError(`unterminated " quote at column ${i + 1}`);
      i = j;
      inWord = true;
    } else if (c === '\\' && i + 1 < s.length) {
      cur += s[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) out.push(cur);
      cur = '';
      inWord = false;
    } else {
      if ('|&;<>'.includes(c)) throw new CommandLineError(`\`${c}\` at column ${i + 1}: pipes, redirections and command lists need a shell; run \`sh -c '…'\` explicitly`);
      cur += c;
      inWord = true;
    }
  }
  if (inWord) out.push(cur);
  if (out.length === 0) throw new CommandLineError('no command given');
  return out;
}

import { describe, expect, it } from 'vitest';
import { isCodexRequest } from './codex-request.js';

describe('isCodexRequest', () => {
  it('knows Codex by its client_version query parameter, wherever it sits', () => {
    for (const query of [
      'client_version=0.171.0',
      'a=1&client_version=0.171.0',
      'client_version',
      'x&client_version=',
    ]) {
      expect(isCodexRequest({}, query)).toBe(true);
    }
  });

  it('does not mistake other parameters for it', () => {
    for (const query of ['', 'limit=1000', 'my_client_version=1', 'client_versions=1', 'x=client_version']) {
      expect(isCodexRequest({}, query)).toBe(false);
    }
  });

  it('knows Codex by its originator header: codex_exec, codex-tui, codex_cli_rs and the codex_/codex- family', () => {
    for (const originator of [
      'codex_exec',
      'codex-tui',
      'codex_cli_rs',
      'codex_vscode',
      'Codex-TUI',
      ' codex_exec ',
    ]) {
      expect(isCodexRequest({ originator }, '')).toBe(true);
    }
  });

  it('ignores other originators and a repeated header', () => {
    for (const originator of ['codex', 'codexy', 'opencode', 'my-codex_exec', '']) {
      expect(isCodexRequest({ originator }, '')).toBe(false);
    }
    expect(isCodexRequest({ originator: ['codex_exec', 'x'] as unknown as string }, '')).toBe(false);
    expect(isCodexRequest({ 'user-agent': 'codex_exec/0.171.0' }, '')).toBe(false);
  });
});

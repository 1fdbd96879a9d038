import { fieldValue } from './export.js';
import { placeholder } from './conversion.js';
import { messageRead, type Component, type Mapper } from './component.js';

/** A chat or text input: a message node whose text is the run's `input_value` (the field's value by default). */
const input: Mapper = (c) => {
  const chat = c.type === 'ChatInput';
  c.add(
    {
      id: c.id,
      type: 'message',
      params: {
        text: '{{inputs.input_value}}',
        default: c.str('input_value'),
        sender: chat ? c.str('sender') || 'User' : 'User',
        senderName: chat ? c.str('sender_name') || 'User' : 'User',
        sessionId: c.sessionId(),
        store: chat ? storesMessage(c) : false,
        accepts: chat ? 'chat' : 'text',
        inputType: '{{inputs.input_type}}',
      },
    },
    'message',
    messageRead(c),
  );
};

/** A chat or text output: a message node, and an output node that makes it a run output named by the id. */
const output: Mapper = (c) => {
  const chat = c.type === 'ChatOutput';
  const source = c.fed('input_value');
  c.add(
    {
      id: c.id,
      type: 'message',
      params: {
        text: source ? placeholder(source.data) : c.str('input_value'),
        sender: chat ? c.str('sender') || 'Machine' : 'Machine',
        senderName: chat ? c.str('sender_name') || 'AI' : 'AI',
        sessionId: c.sessionId(),
        store: chat ? storesMessage(c) : false,
        ...(c.str('data_template') ? { dataTemplate: c.str('data_template') } : {}),
      },
    },
    'message + output',
    messageRead(c),
  );
  const outId = `${c.id.slice(0, 60)}_out`;
  c.attach({ id: outId, type: 'output', label: `${c.label} (output)`, params: { name: c.id, value: `{{${c.id}}}` } });
  c.runOutput();
};

const storesMessage = (c: Component) => fieldValue(c.n, 'should_store_message') !== false;

/** A file's content comes from the run input named by the node id (or a "content" tweak). */
const file: Mapper = (c) =>
  c.add(
    {
      id: c.id,
      type: 'message',
      params: {
        text: `{{inputs.${c.id}}}`,
        default: c.str('content'),
        sender: 'User',
        senderName: 'User',
        store: false,
      },
    },
    'message (file content from the run input or a "content" tweak)',
    messageRead(c),
  );

const webhook: Mapper = (c) =>
  c.add(
    {
      id: c.id,
      type: 'message',
      params: { text: '{{inputs.data}}', sender: 'User', senderName: 'Webhook', store: false },
    },
    'message (the webhook body)',
    messageRead(c),
  );

/** Components that bring data into a run or give it out: Langflow type → mapper. */
export const IO_MAPPERS: Record<string, Mapper> = {
  ChatInput: input,
  TextInput: input,
  ChatOutput: output,
  TextOutput: output,
  File: file,
  Webhook: webhook,
};

// Step 11: undo exactly what step 1 changed on BS, so it can go back into production.
import { stmt } from '../../dialect/statement.js';
import { serverName } from '../context.js';
import type { Step } from './step.js';

export const restoreBs: Step = {
  id: 11,
  title: 'Put the bad server back into production',
  on: 'BS',
  after: () => ({ BS: 'unfenced: ready for traffic once you re-enable it outside this tool' }),
  async plan(ctx) {
    const undo = [...ctx.state.fence].reverse().map((f) => stmt(`SET GLOBAL ${f.variable} = ${/^(0|OFF)$/i.test(f.before) ? 'OFF' : 'ON'}`));
    if (undo.length === 0) return { actions: [], notes: ['Step 1 changed nothing on BS; nothing to undo.'] };
    return {
      actions: undo.map((statement) => ({
        kind: 'sql' as const,
        role: 'BS' as const,
        statement,
        note: 'undo step 1',
        effect: (s) => void (s.fence = s.fence.filter((f) => !statement.sql.includes(f.variable))),
      })),
      question: `Undo step 1 on ${serverName(ctx, 'BS')}? Do it only when you are ready to send traffic to BS again.`,
      checklist: ['re-enable what you changed outside this tool (VIP, firewall, application config) to send traffic to BS'],
    };
  },
};

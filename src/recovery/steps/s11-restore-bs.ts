// Step 11: undo exactly what step 1 changed on BS, so it can go back into production.
import { stmt } from '../../dialect/statement.js';
import type { SqlAction } from '../actions.js';
import { serverName } from '../context.js';
import { unmeasured } from '../fence.js';
import type { Step } from '../step.js';
import { heading } from '../step-headings.js';

export const restoreBs: Step = {
  ...heading(11),
  after: () => ({ BS: 'unfenced: ready for traffic once you re-enable it outside this tool' }),
  async plan(ctx) {
    const notes: string[] = [];
    if (ctx.state.offlineModeLifted && !ctx.state.offlineModeLifted.setByStep1)
      notes.push(
        `offline_mode was ON before the recovery; step 10 switched it off so that GS's replica can log in to BS as ${ctx.settings.replUser}, and it stays off (switch it on again only if that account holds CONNECTION_ADMIN).`,
      );
    const undo = [...ctx.state.fence].reverse().map((f): SqlAction => {
      const statement = stmt(`SET GLOBAL ${f.variable} = ${/^(0|OFF)$/i.test(f.before) ? 'OFF' : 'ON'}`);
      return {
        kind: 'sql',
        role: 'BS',
        statement,
        note: 'undo step 1',
        // Offline, step 1's "if it is OFF" is not known to have happened: the same condition, and that it is still ON.
        ...(f.unmeasured
          ? {
              branch: {
                text: `if step 1 switched it on and it is still ON (${unmeasured(ctx)})`,
                all: [
                  { fact: 'variable-before-step-1', role: 'BS', variable: f.variable, is: 'OFF' },
                  { fact: 'variable', role: 'BS', variable: f.variable, is: 'ON' },
                ],
              },
            }
          : {}),
        effect: (s) => void (s.fence = s.fence.filter((x) => x.variable !== f.variable)),
      };
    });
    if (undo.length === 0) return { actions: [], notes: [...notes, 'Step 1 changed nothing on BS; nothing to undo.'] };
    return {
      actions: undo,
      notes,
      question: `Undo step 1 on ${serverName(ctx, 'BS')}? Do it only when you are ready to send traffic to BS again.`,
      checklist: ['re-enable what you changed outside this tool (VIP, firewall, application config) to send traffic to BS'],
    };
  },
};

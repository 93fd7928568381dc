// What an API key may do: the roles the viewer, the auth checker and the audit trail speak of.
import { registerEnumType } from 'type-graphql';

export enum Role {
  OPERATOR = 'OPERATOR',
  ADMIN = 'ADMIN',
  SALES = 'SALES',
  INTEGRATION = 'INTEGRATION',
}
registerEnumType(Role, {
  name: 'Role',
  description: 'What an API key may do.',
  valuesConfig: {
    OPERATOR: { description: 'The network operator: everything.' },
    ADMIN: { description: 'Everything within its organization, selling and buying.' },
    SALES: { description: "Read within its organization's view and run matches; no writes." },
    INTEGRATION: {
      description: "A network's server-to-server key: acts as buyer for the network and its member hospitals.",
    },
  },
});

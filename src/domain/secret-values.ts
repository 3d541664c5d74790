// The three forms a secret value takes (see secrets.ts): as a client sends it, as every
// read shows it, as it is stored. Types only, shared by task definitions and the code
// that walks their secrets.

interface NewSecret {
  secret: string;
}
export interface KeptSecret {
  secret: true;
}
interface SealedSecret {
  $sealed: string;
}
export type SecretValue = NewSecret | KeptSecret | SealedSecret;
export type MaybeSecret = string | SecretValue;

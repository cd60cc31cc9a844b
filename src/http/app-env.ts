import type { KeyOwner } from "../accounts/keys";

export interface AppEnv {
  Bindings: Env;
  Variables: {
    requestId: string;
    /** Set by `requireKey`: the account the caller's key belongs to. */
    owner: KeyOwner;
  };
}

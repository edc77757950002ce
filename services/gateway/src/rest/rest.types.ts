/** What a REST command handler receives once the pipeline has authenticated the call. */
export interface RestContext {
  sdkAppId: number;
  /** The calling App admin (the `identifier` query parameter). */
  identifier: string;
  /** "<service>/<command>". */
  command: string;
  clientIp: string;
  /** The gateway region the call entered through (the pipeline itself runs in the home region). */
  entryRegion: string;
}

export type JsonObject = Record<string, unknown>;

export interface RestCommand {
  /** "<service>/<command>", e.g. "im_open_login_svc/account_import". */
  path: string;
  /** Calls per second per app for this command (Tencent's per-API limit); default from config. */
  ratePerSecond?: number;
  /** Validates the body (Tencent's codes), calls the owning service, returns the response fields. */
  handle(ctx: RestContext, body: JsonObject): Promise<JsonObject>;
}

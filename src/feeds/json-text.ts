/**
 * An item of a page that is already JSON text (the native format written by
 * `nativeJson`): `pageJson` writes its text as it is instead of stringifying.
 */
export class JsonText {
  constructor(readonly json: string) {}
}

/** A fatal problem with the file as a whole: the run fails with `message`. */
export class UnreadableFile extends Error {}

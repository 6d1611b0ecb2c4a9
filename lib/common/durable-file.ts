import fs from "fs";
import path from "path";

/**
 * Files that survive a crash or a power cut: what the outbox, the ANH journal and the InfluxDB queue
 * all need. Written by hand because Node's fs has no atomic durable write and the npm ones
 * (write-file-atomic) do not fsync the directory that makes the rename itself durable.
 */

/** fsync of a directory, so the names created or renamed in it survive a power cut (ext4/xfs need it). */
export function syncDirectory(dir: string): void {
  let fd: number | null = null;
  try {
    fd = fs.openSync(dir, "r");
    fs.fsyncSync(fd);
  } catch {
    // Windows cannot open a directory: its file system commits directory entries itself.
  } finally {
    if (fd !== null) fs.closeSync(fd);
  }
}

/**
 * Writes `file` so that a reader sees the old or the new content, never half: a temporary file,
 * fsync, rename. The directory is not synced here, so a caller writing several files syncs it once
 * (see writeFileAtomic for the single-file case). `temp` is the temporary name: a caller that cleans
 * up after a crash picks one it recognises.
 */
export function writeFileDurably(file: string, content: string | Buffer, temp = `${file}.${process.pid}.tmp`): void {
  const fd = fs.openSync(temp, "w");
  try {
    try {
      fs.writeFileSync(fd, content);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(temp, file);
  } catch (err) {
    // A full disk (ENOSPC) leaves half a temp file: removed, or it holds the space until the next start.
    fs.rmSync(temp, { force: true });
    throw err;
  }
}

/** writeFileDurably, then the directory synced so the new name is durable too. */
export function writeFileAtomic(file: string, content: string | Buffer): void {
  writeFileDurably(file, content);
  syncDirectory(path.dirname(file));
}

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

// Chromium's built-in fake camera draws a simple animation that VP8 compresses to about
// 0.7 Mbit/s even at 720p. Tests of bitrate need a camera that gives the encoder real work: this
// writes a looping Y4M clip (a gradient with moving noise blocks) for
// --use-file-for-fake-video-capture.
export function busyCameraFile(width = 1280, height = 720, frames = 40): string {
  const file = path.join(os.tmpdir(), `kaigi-busy-camera-${width}x${height}-${frames}.y4m`);
  if (fs.existsSync(file)) return file;
  const ySize = width * height;
  const cSize = (width / 2) * (height / 2);
  const fd = fs.openSync(`${file}.tmp`, 'w');
  fs.writeSync(fd, `YUV4MPEG2 W${width} H${height} F20:1 Ip A1:1 C420jpeg\n`);
  let seed = 12345;
  const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) >>> 16) & 0xff;
  const frame = Buffer.alloc(ySize + 2 * cSize);
  for (let f = 0; f < frames; f++) {
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) frame[y * width + x] = (x + y + f * 8) & 0xff;
    }
    // Noise blocks that move every frame: detail the encoder cannot predict.
    for (let b = 0; b < 6; b++) {
      const bx = ((b * 97 + f * 23) % (width - 96)) | 0;
      const by = ((b * 53 + f * 11) % (height - 96)) | 0;
      for (let y = 0; y < 96; y++) for (let x = 0; x < 96; x++) frame[(by + y) * width + bx + x] = rand();
    }
    frame.fill(128, ySize, ySize + cSize);
    for (let i = 0; i < cSize; i++) frame[ySize + cSize + i] = (i + f * 4) & 0xff;
    fs.writeSync(fd, 'FRAME\n');
    fs.writeSync(fd, frame);
  }
  fs.closeSync(fd);
  fs.renameSync(`${file}.tmp`, file);
  return file;
}

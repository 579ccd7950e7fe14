// Pictures leave the page small and clean. The model sees 224×224, so an uploaded photo is
// shrunk to at most 512 px on its longest side and re-encoded as JPEG through a canvas, which
// also drops its EXIF metadata (GPS position, camera, date). The studio embeds exactly the bytes
// it uploads, so the server's copy and the page's embedding agree.
export const MAX_SIDE = 512;
export const JPEG_QUALITY = 0.9;

// The size a picture of width × height is drawn at: unchanged up to MAX_SIDE, else scaled down.
export function downscaledSize(width, height, maxSide = MAX_SIDE) {
  const scale = Math.min(1, maxSide / Math.max(width, height));
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) };
}

// A JPEG Blob of the picture, upright (EXIF orientation applied), at most MAX_SIDE px. A file the
// browser cannot decode goes on unchanged, so the server's answer names what is wrong with it.
export async function downscaleForUpload(blob) {
  let bitmap;
  try {
    bitmap = await createImageBitmap(blob, { imageOrientation: 'from-image' });
  } catch {
    return blob;
  }
  try {
    const { width, height } = downscaledSize(bitmap.width, bitmap.height);
    const canvas = new OffscreenCanvas(width, height);
    const context = canvas.getContext('2d');
    context.imageSmoothingQuality = 'high';
    context.drawImage(bitmap, 0, 0, width, height);
    return await canvas.convertToBlob({ type: 'image/jpeg', quality: JPEG_QUALITY });
  } finally {
    bitmap.close();
  }
}

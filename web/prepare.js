// A drawing -> the 28x28 picture the network receives, prepared the way MNIST's digits were.
//
// The same steps as mnist_adder_utils/handwriting.py's mnist_style, ported step by step so that the browser
// gives the network what Python gives it (tests/test_try_it.py runs both on the same pictures): gray levels,
// light ink on black, the ink's bounding box scaled to fit a 20x20 box with Pillow's resampling, the centre
// of mass moved to the middle of a 28x28 field. NumPy computes in float32 there, so Math.fround does here.
//
// A pure function, for the browser and for Node alike:
//   prepare(pixels, width, height) -> {pixels: Uint8Array(784)} or {noDigit: "a message", contrast}
// pixels: RGBA (4 values a pixel, as a canvas's getImageData gives them) or gray (1 value a pixel), 0..255.

export const BOX = 20; // MNIST's digits fit a 20x20 box ...
export const FIELD = 28; // ... inside a 28x28 field
const CENTRE = 14.0; // where MNIST's centres of mass lie (pixel indices 0..27)
const MIN_CONTRAST = 0.15; // ink must differ from the background by this much of the full range
const INK_LEVEL = Math.fround(0.2); // NumPy compares a float32 array with 0.2 as a float32
const f32 = Math.fround;

// Python's round(): halves go to the even neighbour
export function roundHalfEven(x) {
  const floor = Math.floor(x);
  const rest = x - floor;
  if (rest > 0.5) return floor + 1;
  if (rest < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}

// Pillow's gray level of an RGBA pixel: composited on opaque white (Image.alpha_composite), then ITU-R 601-2
// luma as convert("L") computes it in integers
export function grayLevel(r, g, b, a) {
  if (a !== 255) {
    if (a === 0) {
      r = g = b = 255;
    } else {
      const blend = 255 * (255 - a); // the white page's alpha times what the ink lets through
      const outA255 = a * 255 + blend;
      const coef1 = Math.floor((a * 255 * 255 * 128) / outA255); // 7 bits of extra precision
      const coef2 = 255 * 128 - coef1;
      const mix = (ink) => {
        const value = ink * coef1 + 255 * coef2 + (0x80 << 7);
        return (((value >>> 8) + value) >>> 8) >>> 7; // divided by 255, rounded, as Pillow does it
      };
      r = mix(r);
      g = mix(g);
      b = mix(b);
    }
  }
  return (r * 19595 + g * 38470 + b * 7471 + 0x8000) >>> 16;
}

// NumPy's float32 sum of n values (np.sum on a contiguous run): pairwise, eight partial sums at a time
function pairwiseSum(values, start, n, round) {
  if (n < 8) {
    let sum = 0;
    for (let i = 0; i < n; i++) sum = round(sum + values[start + i]);
    return sum;
  }
  if (n <= 128) {
    const r = [];
    for (let j = 0; j < 8; j++) r.push(values[start + j]);
    let i = 8;
    for (; i < n - (n % 8); i += 8) {
      for (let j = 0; j < 8; j++) r[j] = round(r[j] + values[start + i + j]);
    }
    let sum = round(round(round(r[0] + r[1]) + round(r[2] + r[3])) + round(round(r[4] + r[5]) + round(r[6] + r[7])));
    for (; i < n; i++) sum = round(sum + values[start + i]);
    return sum;
  }
  let half = Math.floor(n / 2);
  half -= half % 8;
  return round(pairwiseSum(values, start, half, round) + pairwiseSum(values, start + half, n - half, round));
}

const same = (x) => x;

// Pillow's filters, with their support (Resample.c)
const FILTERS = {
  box: { support: 0.5, weight: (x) => (x > -0.5 && x <= 0.5 ? 1.0 : 0.0) },
  bilinear: {
    support: 1.0,
    weight: (x) => {
      x = Math.abs(x);
      return x < 1.0 ? 1.0 - x : 0.0;
    },
  },
};
const PRECISION_BITS = 32 - 8 - 2;

// Pillow's precompute_coeffs and normalize_coeffs_8bpc: for each output pixel, the first input pixel it reads,
// how many it reads, and their weights as fixed-point integers
function coefficients(inSize, outSize, filter) {
  const scale = inSize / outSize;
  const filterScale = Math.max(scale, 1.0);
  const support = filter.support * filterScale;
  const bounds = [];
  for (let xx = 0; xx < outSize; xx++) {
    const centre = (xx + 0.5) * scale;
    const ss = 1.0 / filterScale;
    const xmin = Math.max(Math.trunc(centre - support + 0.5), 0);
    const xmax = Math.min(Math.trunc(centre + support + 0.5), inSize) - xmin;
    const weights = [];
    let total = 0.0;
    for (let x = 0; x < xmax; x++) {
      const w = filter.weight((x + xmin - centre + 0.5) * ss);
      weights.push(w);
      total += w;
    }
    const fixed = weights.map((w) => {
      const k = total !== 0.0 ? w / total : w;
      return k < 0 ? Math.trunc(-0.5 + k * (1 << PRECISION_BITS)) : Math.trunc(0.5 + k * (1 << PRECISION_BITS));
    });
    bounds.push({ start: xmin, weights: fixed });
  }
  return bounds;
}

function clip8(sum) {
  if (sum >= 1 << PRECISION_BITS << 8) return 255;
  if (sum <= 0) return 0;
  return sum >> PRECISION_BITS;
}

// One pass of Pillow's resampling over an 8-bit gray image: each output pixel along one axis from the input
// pixels its coefficients name, rounded to 8 bits; rows first..first+count-1 of the input, for a horizontal pass
function horizontalPass(pixels, width, newWidth, firstRow, rowCount, columns) {
  const out = new Uint8Array(newWidth * rowCount);
  for (let y = 0; y < rowCount; y++) {
    for (let xx = 0; xx < newWidth; xx++) {
      const { start, weights } = columns[xx];
      let sum = 1 << (PRECISION_BITS - 1);
      for (let x = 0; x < weights.length; x++) sum += pixels[(y + firstRow) * width + start + x] * weights[x];
      out[y * newWidth + xx] = clip8(sum);
    }
  }
  return out;
}

function verticalPass(pixels, width, newHeight, firstRow, rows) {
  const out = new Uint8Array(width * newHeight);
  for (let yy = 0; yy < newHeight; yy++) {
    const { start, weights } = rows[yy];
    for (let x = 0; x < width; x++) {
      let sum = 1 << (PRECISION_BITS - 1);
      for (let y = 0; y < weights.length; y++) sum += pixels[(start - firstRow + y) * width + x] * weights[y];
      out[yy * width + x] = clip8(sum);
    }
  }
  return out;
}

// Pillow's Image.resize of an 8-bit gray image (Resample.c, ImagingResampleInner, as in Pillow 13): two passes,
// each rounded to 8 bits, a pass skipped where its size stays. The horizontal pass comes first, over only the
// rows the vertical pass reads, unless the height shrinks by more than twice as many pixels as the width does
// (Pillow 12 and older always went horizontal first, which can differ by one level here and there).
// filterName: "box" or "bilinear"
export function resize(pixels, width, height, newWidth, newHeight, filterName) {
  if (newWidth === width && newHeight === height) return Uint8Array.from(pixels);
  const filter = FILTERS[filterName];
  const columns = coefficients(width, newWidth, filter);
  const rows = coefficients(height, newHeight, filter);
  const horizontalFirst = !(height - newHeight > 0 && height - newHeight > (width - newWidth) * 2);
  if (!horizontalFirst) {
    const image = newHeight !== height ? verticalPass(pixels, width, newHeight, 0, rows) : pixels;
    return newWidth !== width ? horizontalPass(image, width, newWidth, 0, newHeight, columns) : image;
  }
  if (newWidth === width) return verticalPass(pixels, width, newHeight, 0, rows);
  const firstRow = rows[0].start;
  const lastRow = rows[newHeight - 1].start + rows[newHeight - 1].weights.length;
  const image = horizontalPass(pixels, width, newWidth, firstRow, lastRow - firstRow, columns);
  return newHeight !== height ? verticalPass(image, newWidth, newHeight, firstRow, rows) : image;
}

// The median of float32 values as np.median gives it: for an even count, the float32 mean of the middle two
function median(values) {
  const sorted = Float64Array.from(values).sort();
  const middle = Math.floor(sorted.length / 2);
  if (sorted.length % 2) return sorted[middle];
  return f32(f32(sorted[middle - 1] + sorted[middle]) / 2);
}

// The centre of mass (row, column) of float32 values, summed as NumPy sums them in mnist_style: the rows pairwise in
// float32, the columns one row after another in float32, the weighted totals pairwise in float64
export function centreOfMass(scaled, width, height) {
  const mass = pairwiseSum(scaled, 0, scaled.length, f32);
  const rowTerms = [];
  for (let y = 0; y < height; y++) rowTerms.push(pairwiseSum(scaled, y * width, width, f32) * y);
  const columns = new Float32Array(width);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) columns[x] = f32(columns[x] + scaled[y * width + x]);
  }
  const columnTerms = Array.from(columns, (sum, x) => sum * x);
  return [pairwiseSum(rowTerms, 0, height, same) / mass, pairwiseSum(columnTerms, 0, width, same) / mass];
}

export function prepare(pixels, width, height) {
  const count = width * height;
  const channels = pixels.length / count;
  if (channels !== 1 && channels !== 4) throw new Error(`expected ${count} or ${4 * count} values, got ${pixels.length}`);
  // gray levels 0..1, as float32
  let gray = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    const level = channels === 1 ? pixels[i] : grayLevel(pixels[4 * i], pixels[4 * i + 1], pixels[4 * i + 2], pixels[4 * i + 3]);
    gray[i] = level / 255;
  }
  // the background: the median of the border (the four edges one after the other, corners twice, as NumPy joins them)
  const border = [];
  for (let x = 0; x < width; x++) border.push(gray[x]);
  for (let x = 0; x < width; x++) border.push(gray[(height - 1) * width + x]);
  for (let y = 0; y < height; y++) border.push(gray[y * width]);
  for (let y = 0; y < height; y++) border.push(gray[y * width + width - 1]);
  let background = median(border);
  if (background > 0.5) {
    // dark ink on a light page: invert, as MNIST's digits are light on black
    gray = gray.map((value) => 1 - value);
    background = 1 - background;
  }
  let brightest = 0;
  for (let i = 0; i < count; i++) brightest = Math.max(brightest, gray[i]);
  const contrast = brightest - background;
  if (contrast < MIN_CONTRAST) {
    return {
      noDigit: `no digit found: the picture is blank or one flat colour (ink contrast ${contrast.toFixed(2)}, need ${MIN_CONTRAST})`,
      contrast,
    };
  }
  // the ink, 0..1, and its bounding box
  const ink = new Float32Array(count);
  const [background32, contrast32] = [f32(background), f32(contrast)];
  let [top, bottom, left, right] = [height, -1, width, -1];
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const value = Math.min(Math.max(f32(f32(gray[y * width + x] - background32) / contrast32), 0), 1);
      ink[y * width + x] = value;
      if (value > INK_LEVEL) {
        top = Math.min(top, y);
        bottom = Math.max(bottom, y);
        left = Math.min(left, x);
        right = Math.max(right, x);
      }
    }
  }
  const [cropHeight, cropWidth] = [bottom - top + 1, right - left + 1];
  const cropped = new Uint8Array(cropWidth * cropHeight);
  for (let y = 0; y < cropHeight; y++) {
    for (let x = 0; x < cropWidth; x++) cropped[y * cropWidth + x] = roundHalfEven(f32(ink[(y + top) * width + x + left] * 255));
  }
  // scaled so that the longer side is 20 pixels: shrinking averages (BOX), growing interpolates (BILINEAR)
  const scale = BOX / Math.max(cropHeight, cropWidth);
  const [newWidth, newHeight] = [Math.max(1, roundHalfEven(cropWidth * scale)), Math.max(1, roundHalfEven(cropHeight * scale))];
  const scaled8 = resize(cropped, cropWidth, cropHeight, newWidth, newHeight, scale < 1 ? "box" : "bilinear");
  const scaled = Float32Array.from(scaled8, (value) => value / 255);
  const [centreY, centreX] = centreOfMass(scaled, newWidth, newHeight);
  // moved so that the centre of mass lands on (14, 14), in a 28x28 field, cutting off what falls outside
  const [fieldTop, fieldLeft] = [roundHalfEven(CENTRE - centreY), roundHalfEven(CENTRE - centreX)];
  const field = new Uint8Array(FIELD * FIELD);
  for (let y = Math.max(fieldTop, 0); y < Math.min(fieldTop + newHeight, FIELD); y++) {
    for (let x = Math.max(fieldLeft, 0); x < Math.min(fieldLeft + newWidth, FIELD); x++) {
      field[y * FIELD + x] = roundHalfEven(f32(scaled[(y - fieldTop) * newWidth + x - fieldLeft] * 255));
    }
  }
  return { pixels: field };
}

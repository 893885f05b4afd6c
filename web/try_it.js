// The book's "Try it" page (book/try_it.md): draw a digit, pick a number, and the trained network (mnist_adder.onnx,
// written by notebook 9) answers in the browser, with ONNX Runtime Web's WebAssembly build. No server computes
// anything: book/build.py copies this file, prepare.js, ONNX Runtime's files and the model beside the page.

import * as ort from "./ort.wasm.min.mjs";
import { pointAt, strokeDot, strokeLine } from "./pen.js"; // the notebooks' pad draws with it too
import { FIELD, prepare } from "./prepare.js";

// the model's contract (mnist_adder_utils/export.py): a light digit on black, each pixel (pixel / 255 - MEAN) / STD
export const MNIST_MEAN = 0.1307;
export const MNIST_STD = 0.3081;
const PAD = 280; // the pad's pixels; the notebooks' drawing pad has the same size and pen
const PEN_WIDTH = 18; // about MNIST's stroke once the digit is scaled down to 20 pixels
const EMPTY = "No digit on the pad yet: draw one."; // a blank pad is the one picture prepare() finds no digit in

// GitHub Pages is not cross-origin isolated, so WebAssembly threads are not available there: one thread
ort.env.wasm.numThreads = 1;
ort.env.wasm.wasmPaths = new URL("./", import.meta.url).href; // ONNX Runtime's .wasm and .mjs beside this file

const root = document.getElementById("try-it");
const pad = document.getElementById("try-it-pad");
const pen = pad.getContext("2d", { willReadFrequently: true });
const seen = document.getElementById("try-it-input");
const status = document.getElementById("try-it-status");
const answer = document.getElementById("try-it-answer");
const numbers = document.getElementById("try-it-number");
const bars = document.getElementById("try-it-bars");

let number = 5;
let picture = null; // the 784 pixels the network receives, or null while the pad holds no digit
let busy = false; // one answer at a time: the session runs one call at a time
let again = false; // a stroke or a number came while the network was busy

function blank() {
  pen.fillStyle = "white";
  pen.fillRect(0, 0, PAD, PAD);
}

// the number buttons, 0..9, and a bar for each digit
for (let n = 0; n <= 9; n++) {
  const label = document.createElement("label");
  label.innerHTML = `<input type="radio" name="try-it-number" value="${n}"${n === number ? " checked" : ""}><span>${n}</span>`;
  numbers.append(label);
}
const barRows = [];
for (let digit = 0; digit <= 9; digit++) {
  const row = document.createElement("div");
  row.className = "try-it-bar";
  row.innerHTML = `<span class="try-it-bar-digit">${digit}</span><span class="try-it-bar-track"><span class="try-it-bar-fill"></span></span><span class="try-it-bar-value"></span>`;
  bars.append(row);
  barRows.push(row);
}

function softmax(logits) {
  const top = Math.max(...logits);
  const exps = Array.from(logits, (value) => Math.exp(value - top));
  const total = exps.reduce((a, b) => a + b, 0);
  return exps.map((value) => value / total);
}

const percent = (p) => `${(100 * p).toFixed(1)}%`;
const argmax = (values) => values.indexOf(Math.max(...values));

function showInput(pixels) {
  const image = seen.getContext("2d").createImageData(FIELD, FIELD);
  for (let i = 0; i < FIELD * FIELD; i++) {
    const value = pixels ? pixels[i] : 0;
    image.data.set([value, value, value, 255], 4 * i);
  }
  seen.getContext("2d").putImageData(image, 0, 0);
}

function showAnswer(digitProbs, sumProbs) {
  const digit = argmax(digitProbs);
  const sum = argmax(sumProbs);
  answer.innerHTML =
    `It reads your digit as <b id="try-it-digit">${digit}</b> (${percent(digitProbs[digit])} sure).<br>` +
    `Your digit + ${number} = <b id="try-it-sum">${sum}</b> (${percent(sumProbs[sum])} sure).`;
  barRows.forEach((row, d) => {
    row.classList.toggle("try-it-bar-top", d === digit);
    row.querySelector(".try-it-bar-fill").style.width = `${100 * digitProbs[d]}%`;
    row.querySelector(".try-it-bar-value").textContent = percent(digitProbs[d]);
  });
  bars.hidden = false;
}

function showNoDigit(message) {
  answer.textContent = message;
  bars.hidden = true;
}

const session = ort.InferenceSession.create(new URL("mnist_adder.onnx", import.meta.url).href, {
  executionProviders: ["wasm"],
});

async function answerNow() {
  if (picture === null) {
    showNoDigit(EMPTY);
    return { digit: false };
  }
  const normalized = Float32Array.from(picture, (pixel) => (pixel - 255 * MNIST_MEAN) / (255 * MNIST_STD));
  const oneHot = new Float32Array(10);
  oneHot[number] = 1;
  const outputs = await (await session).run({
    image: new ort.Tensor("float32", normalized, [1, 1, FIELD, FIELD]),
    number_onehot: new ort.Tensor("float32", oneHot, [1, 10]),
  });
  const digitProbs = Array.from(outputs["digit_log_probs"].data, Math.exp);
  const sumProbs = softmax(outputs["sum_logits"].data);
  showAnswer(digitProbs, sumProbs);
  return { digit: true, number, digitProbs, sumProbs };
}

// Prepares what the pad holds and answers; an answer is announced with a "try-it:answer" event (the browser
// check, scripts/check_try_it_in_chromium.py, times it)
async function update({ read = true } = {}) {
  if (read) {
    const result = prepare(pen.getImageData(0, 0, PAD, PAD).data, PAD, PAD);
    picture = result.pixels ?? null;
    showInput(picture);
  }
  if (busy) {
    again = true;
    return;
  }
  busy = true;
  try {
    root.dispatchEvent(new CustomEvent("try-it:answer", { detail: await answerNow() }));
  } catch (error) {
    status.textContent = `The network could not answer in this browser: ${error.message}`;
    root.dataset.state = "failed";
  } finally {
    busy = false;
  }
  if (again) {
    again = false;
    update({ read: false });
  }
}

// drawing with a mouse, a finger or a stylus
let last = null;
pad.addEventListener("pointerdown", (event) => {
  if (!event.isPrimary) return; // a second finger does not draw
  event.preventDefault();
  pad.setPointerCapture(event.pointerId);
  last = pointAt(pad, event, PAD);
  strokeDot(pen, last, PEN_WIDTH); // a tap leaves a dot
});
pad.addEventListener("pointermove", (event) => {
  if (last === null || !event.isPrimary) return;
  for (const move of event.getCoalescedEvents ? event.getCoalescedEvents() : [event]) {
    const next = pointAt(pad, move, PAD);
    strokeLine(pen, last, next, PEN_WIDTH);
    last = next;
  }
});
function finish(event) {
  if (last === null || !event.isPrimary) return;
  last = null;
  update();
}
pad.addEventListener("pointerup", finish);
pad.addEventListener("pointercancel", finish);

document.getElementById("try-it-clear").addEventListener("click", () => {
  blank();
  update();
});
numbers.addEventListener("change", (event) => {
  number = Number(event.target.value);
  update({ read: false });
});

blank();
showInput(null);
showNoDigit(EMPTY);
session.then(
  () => {
    status.textContent = "Ready: draw a digit on the white square.";
    root.dataset.state = "ready";
  },
  (error) => {
    status.textContent = `The network could not start in this browser: ${error.message}`;
    root.dataset.state = "failed";
  },
);

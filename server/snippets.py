"""A short usage snippet for each export format, shown in the studio and on the share page.

Class names are the students' own text: they enter a snippet only as JSON string literals with
<, > and & escaped (valid in both Python and JavaScript), so a name like
`<img src=x onerror=alert(1)>` stays text even when the snippet is pasted into a web page.
"""

import json
from string import Template

TFJS = Template("""\
<!-- Unzip $filename beside this page and serve the folder (python -m http.server). -->
<script src="https://cdn.jsdelivr.net/npm/@tensorflow/tfjs@4.22.0/dist/tf.min.js"></script>
<img id="photo" src="photo.jpg">
<script>
(async () => {
  const model = await tf.loadGraphModel('./model.json');
  const { labels, image_size: size } = await (await fetch('./metadata.json')).json();
  const image = document.getElementById('photo');
  await image.decode();
  const probabilities = tf.tidy(() => {
    const pixels = tf.browser.fromPixels(image);  // centre square, resized, RGB 0..255
    const [height, width] = pixels.shape;
    const side = Math.min(height, width);
    const square = pixels.slice(
      [Math.floor((height - side) / 2), Math.floor((width - side) / 2), 0], [side, side, 3]);
    const resized = tf.image.resizeBilinear(square, [size, size], false, true);
    return Array.from(model.predict(resized.expandDims(0)).dataSync());
  });
  const best = probabilities.indexOf(Math.max(...probabilities));
  console.log(labels[best], probabilities[best]);
})();
</script>
""")

# The picture as the model was trained on it (converters/preprocessing.py, written out so users
# need nothing of ours): centre square, then a bilinear resize with half pixel centres and no
# antialiasing (Pillow's BILINEAR smooths when shrinking, which the model never saw), RGB
# 0..255 as float32. tests/browser/test_exports.py runs every snippet as the API gives it, on
# real exports, against the studio's probabilities.
PICTURE = """\
pixels = np.asarray(Image.open("photo.jpg").convert("RGB"), dtype="float32")
side = min(pixels.shape[:2])
top, left = (pixels.shape[0] - side) // 2, (pixels.shape[1] - side) // 2
square = pixels[top : top + side, left : left + side]
centres = np.clip((np.arange($size) + 0.5) * side / $size - 0.5, 0, side - 1)
low = np.floor(centres).astype(int)
high, weight = np.minimum(low + 1, side - 1), (centres - low)[:, None, None]
rows = square[low] * (1 - weight) + square[high] * weight
batch = (rows[:, low] * (1 - weight[:, 0]) + rows[:, high] * weight[:, 0])[None].astype("float32")
"""

KERAS = Template(
    """\
import keras
import numpy as np
from PIL import Image

model = keras.models.load_model("$filename")
labels = $labels
"""
    + PICTURE
    + """\
probabilities = model.predict(batch)[0]
print(labels[probabilities.argmax()], probabilities.max())
"""
)

TFLITE = Template(
    """\
import numpy as np
from PIL import Image
from ai_edge_litert.interpreter import Interpreter  # pip install ai-edge-litert

interpreter = Interpreter(model_path="$filename")
interpreter.allocate_tensors()
labels = $labels
"""
    + PICTURE
    + """\
interpreter.set_tensor(interpreter.get_input_details()[0]["index"], batch)
interpreter.invoke()
probabilities = interpreter.get_tensor(interpreter.get_output_details()[0]["index"])[0]
print(labels[probabilities.argmax()], probabilities.max())
"""
)

SAVEDMODEL = Template(
    """\
# Unzip $filename: it holds saved_model/ (with metadata.json).
import numpy as np
import tensorflow as tf
from PIL import Image

model = tf.saved_model.load("saved_model")
labels = $labels
"""
    + PICTURE
    + """\
probabilities = model.serve(tf.constant(batch)).numpy()[0]
print(labels[probabilities.argmax()], probabilities.max())
"""
)

# A whole p5.js sketch page for a Teachable Machine link: the camera and the class ml5 sees in
# it. Every script comes from this Snapclass server's /vendor/ (npm packages, server/assets.py).
P5JS = Template("""\
<!doctype html>
<html>
<head>
  <meta charset="utf-8">
  <script src="$p5"></script>
  <script src="$ml5"></script>
</head>
<body>
<script>
// Your Snapclass model, as a Teachable Machine link.
const modelURL = "$model_url";
let classifier;
let video;
let label = "...";

function preload() {
  classifier = ml5.imageClassifier(modelURL + "model.json");
}

function setup() {
  createCanvas(320, 280);
  video = createCapture(VIDEO);
  video.size(320, 240);
  video.hide();
  classifier.classifyStart(video, gotResult);
}

function draw() {
  background(0);
  image(video, 0, 0, 320, 240);
  fill(255);
  textSize(20);
  textAlign(CENTER);
  text(label, width / 2, height - 12);
}

function gotResult(results) {
  label = results[0].label;
}
</script>
</body>
</html>
""")

SNIPPETS = {
    "tfjs": TFJS,
    "keras": KERAS,
    "tflite": TFLITE,
    "tflite-int8": TFLITE,
    "savedmodel": SAVEDMODEL,
}


def literal(value: object) -> str:
    """A JSON literal that is also a Python literal, with HTML's special characters escaped."""
    text = json.dumps(value)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def p5_snippet(model_url: str, p5_url: str, ml5_url: str) -> str:
    """The p5.js sketch for the Teachable Machine folder at `model_url` (absolute URLs)."""
    return P5JS.substitute(model_url=model_url, p5=p5_url, ml5=ml5_url)


def usage_snippet(fmt: str, filename: str, labels: list[str], size: int) -> str:
    """How to run the `fmt` export named `filename` on one picture."""
    return SNIPPETS[fmt].substitute(filename=filename, labels=literal(labels), size=size)

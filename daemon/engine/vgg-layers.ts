/**
 * VGG-19's convolution layers in order, with the Keras names the weight files use and the
 * names of the activations the losses tap. Blocks hold 2, 2, 4, 4, 4 convolutions; a 2×2
 * max-pool follows each block.
 *
 * Tap names follow the usual convention: `conv4_2` is the convolution's output before its
 * ReLU, `relu4_2` after it. torchvision's `vgg19().features` indices map as
 * `conv{b}_{i}` → the conv's index; with in-place ReLUs, d2l's style layers [0, 5, 10, 19, 28]
 * read relu1_1, relu2_1, relu3_1, relu4_1 and conv5_1, and its content layer [25] reads relu4_4.
 */
export interface ConvLayer {
  block: number;
  index: number;
  /** Keras name, e.g. `block3_conv2`. */
  kerasName: string;
  /** Tap names of its output before and after the ReLU. */
  conv: string;
  relu: string;
  /** Channel count of the original VGG-19. */
  channels: number;
  /** A 2×2 max-pool follows this layer. */
  poolAfter: boolean;
}

const BLOCKS: ReadonlyArray<{ convs: number; channels: number }> = [
  { convs: 2, channels: 64 },
  { convs: 2, channels: 128 },
  { convs: 4, channels: 256 },
  { convs: 4, channels: 512 },
  { convs: 4, channels: 512 },
];

export const VGG19_CONV_LAYERS: readonly ConvLayer[] = BLOCKS.flatMap(({ convs, channels }, b) =>
  Array.from({ length: convs }, (_, i) => ({
    block: b + 1,
    index: i + 1,
    kerasName: `block${b + 1}_conv${i + 1}`,
    conv: `conv${b + 1}_${i + 1}`,
    relu: `relu${b + 1}_${i + 1}`,
    channels,
    poolAfter: i === convs - 1,
  })),
);

export const TAP_NAMES: readonly string[] = VGG19_CONV_LAYERS.flatMap((l) => [l.conv, l.relu]);

/** Position of a tap in forward order; throws on an unknown name. */
export function tapOrder(name: string): number {
  const i = TAP_NAMES.indexOf(name);
  if (i < 0) {
    throw new RangeError(`Unknown VGG-19 layer "${name}"; use one of ${TAP_NAMES.join(', ')}.`);
  }
  return i;
}

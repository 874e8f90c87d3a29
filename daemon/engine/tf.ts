/**
 * The one import of TensorFlow.js inside the engine. tfjs-core's Node bundle registers no
 * gradients; the union package's bundle registers all of them (and the cpu backend) into the
 * registry that tfjs-core shares through a global, so it is loaded once here for that side effect.
 */
import '@tensorflow/tfjs';

export * from '@tensorflow/tfjs-core';

import { enableProdMode } from '@tensorflow/tfjs-core';

// Production mode skips tfjs' debug checks and its "install tfjs-node" banner: the engine
// reports its backend itself (see backend.ts).
enableProdMode();

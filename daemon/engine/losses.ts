import * as tf from './tf.ts';

/** Mean squared error, as torch's F.mse_loss with reduction 'mean'. */
export function meanSquaredError(a: tf.Tensor, b: tf.Tensor): tf.Scalar {
  return tf.mean(tf.squaredDifference(a, b));
}

/**
 * Total variation as d2l defines it: 0.5·(mean|x[i+1,j]−x[i,j]| + mean|x[i,j+1]−x[i,j]|).
 *
 * The gradient is written out because tfjs' |x| gradient is −1 at 0 where torch's is 0, and
 * images have many equal neighbours: with the stock gradient a flat sky would drift.
 */
export function totalVariation(x: tf.Tensor4D): tf.Scalar {
  const tv = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [v, save] = args as [tf.Tensor4D, tf.GradSaveFunc];
    const [, h, w] = v.shape;
    const dv = tf.sub(tf.slice(v, [0, 1, 0, 0], [-1, h - 1, -1, -1]), tf.slice(v, [0, 0, 0, 0], [-1, h - 1, -1, -1]));
    const dh = tf.sub(tf.slice(v, [0, 0, 1, 0], [-1, -1, w - 1, -1]), tf.slice(v, [0, 0, 0, 0], [-1, -1, w - 1, -1]));
    save([dv, dh]);
    const value = tf.mul(0.5, tf.add(tf.mean(tf.abs(dv)), tf.mean(tf.abs(dh))));
    return {
      value,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sv, sh] = saved.map((t) => tf.sign(t));
        const gv = tf.mul(sv, tf.mul(dy, 0.5 / sv.size)) as tf.Tensor4D;
        const gh = tf.mul(sh, tf.mul(dy, 0.5 / sh.size)) as tf.Tensor4D;
        // d/dx of (x[i+1]−x[i]) spreads +g to row i+1 and −g to row i.
        const fromV = tf.sub(tf.pad(gv, [[0, 0], [1, 0], [0, 0], [0, 0]]), tf.pad(gv, [[0, 0], [0, 1], [0, 0], [0, 0]]));
        const fromH = tf.sub(tf.pad(gh, [[0, 0], [0, 0], [1, 0], [0, 0]]), tf.pad(gh, [[0, 0], [0, 0], [0, 1], [0, 0]]));
        return tf.add(fromV, fromH);
      },
    };
  });
  return tv(x) as tf.Scalar;
}

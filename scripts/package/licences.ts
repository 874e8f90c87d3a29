import { copyFile, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readPackageJsonAsync } from './native-parts.ts';
import { LAYOUT } from './targets.ts';

const HERE = new URL('./licences/', import.meta.url);

/** The texts libvips' LGPL-3.0-or-later needs beside it (the LGPL adds to the GPL's terms). */
const LICENCE_TEXTS = ['LGPL-3.0.txt', 'GPL-3.0.txt'];

const ONNX_RUNTIME = `ONNX Runtime (onnxruntime-node, onnxruntime-common)
MIT License. Copyright (c) Microsoft Corporation.
The npm packages carry no ThirdPartyNotices file; ONNX Runtime's notices for the libraries it
includes are published with its source:
https://github.com/microsoft/onnxruntime/blob/main/ThirdPartyNotices.txt
On Windows, DirectML.dll, dxil.dll and dxcompiler.dll come with onnxruntime-node under
Microsoft's terms for those redistributables.`;

const VGG19 = `VGG-19 weights
Atelier computes style and content features with the VGG-19 network by Karen Simonyan and
Andrew Zisserman (Visual Geometry Group, University of Oxford), "Very Deep Convolutional
Networks for Large-Scale Image Recognition", arXiv:1409.1556. The weights are made available
under the Creative Commons Attribution 4.0 International licence (CC BY 4.0,
https://creativecommons.org/licenses/by/4.0/). Atelier uses the Keras Applications conversion
(vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5); a package built with --with-weights carries
them in weights/, otherwise the first start downloads them.`;

/** A package's own licence files (LICENSE, NOTICE, COPYING…), concatenated. */
async function licenceTextAsync(dir: string): Promise<string | undefined> {
  const names = (await readdir(dir)).filter((name) => /^(licen[cs]e|notice|copying)/i.test(name)).sort();
  if (names.length === 0) return undefined;
  return (await Promise.all(names.map((name) => readFile(join(dir, name), 'utf8')))).join('\n\n').trim();
}

export interface NoticeSources {
  /** The unpacked Node.js npm package of this release (its LICENSE covers Node and its deps). */
  nodeLicenceFile: string;
  /** Folders of the npm packages inside the bundle, and of those copied beside it. */
  packageDirs: string[];
  /** The package carrying libvips for this platform (its versions.json lists the libraries inside). */
  libvipsDir: string;
  /** A sharp-libvips package of the same release, whose README holds the libraries' licence table. */
  libvipsReadmeDir: string;
  /** Whether the package carries ONNX Runtime (not for Intel Macs). */
  onnxRuntime: boolean;
}

/**
 * `<root>/licences/`: THIRD-PARTY-NOTICES.txt (Node.js, every npm package bundled or copied,
 * ONNX Runtime, libvips and its libraries, the VGG-19 weights' attribution) and the LGPL/GPL
 * texts.
 */
export async function writeLicencesAsync(packageRoot: string, sources: NoticeSources): Promise<string[]> {
  const dir = join(packageRoot, LAYOUT.licencesDir);
  await mkdir(dir, { recursive: true });
  const sections: string[] = [`Node.js\n${(await readFile(sources.nodeLicenceFile, 'utf8')).trim()}`];
  const seen = new Set<string>();
  for (const packageDir of sources.packageDirs) {
    const pkg = await readPackageJsonAsync(packageDir);
    const id = `${pkg.name}@${pkg.version}`;
    if (seen.has(id)) continue;
    seen.add(id);
    const text = await licenceTextAsync(packageDir);
    sections.push(`${id} (npm; licence: ${pkg.license ?? 'not stated'})\n${text ?? `The package carries no licence file; its package.json states ${pkg.license ?? 'none'}.`}`);
  }
  if (sources.onnxRuntime) sections.push(ONNX_RUNTIME);
  const libvips = await readPackageJsonAsync(sources.libvipsDir);
  const libvipsReadme = await readFile(join(sources.libvipsReadmeDir, 'README.md'), 'utf8');
  const versions = await readFile(join(sources.libvipsDir, 'versions.json'), 'utf8');
  sections.push(
    `libvips and the libraries built into ${libvips.name}@${libvips.version} (licence: LGPL-3.0-or-later)\n` +
      `libvips is licensed under the GNU Lesser General Public License 3.0 or later: see LGPL-3.0.txt and GPL-3.0.txt in this folder. ` +
      `You may replace the libvips library in app/node_modules/@img/ with your own build of the same version (source: https://github.com/libvips/libvips).\n\n` +
      `${libvipsReadme.trim()}\n\nVersions:\n${versions.trim()}`,
  );
  sections.push(VGG19);
  const rule = `\n\n${'='.repeat(78)}\n\n`;
  await writeFile(join(dir, 'THIRD-PARTY-NOTICES.txt'), `Atelier bundles the following third-party software.${rule}${sections.join(rule)}\n`);
  await Promise.all(LICENCE_TEXTS.map((name) => copyFile(new URL(name, HERE), join(dir, name))));
  return ['THIRD-PARTY-NOTICES.txt', ...LICENCE_TEXTS];
}

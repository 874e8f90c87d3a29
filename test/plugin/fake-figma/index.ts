export { FakeFigma, type ExportCall } from './fake-figma.ts';
export { FakePage, FakeRectangle, FakeSceneNode, type FakeNodeInit } from './fake-nodes.ts';
export { encodePng, encodePngRgba, paintPattern, type RgbColor } from './png-encode.ts';

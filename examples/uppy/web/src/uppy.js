// The bundle's entry: Uppy's core, Dashboard, AwsS3 and GoldenRetriever as
// published on npm (versions pinned in package.json), and their CSS, which
// esbuild writes beside the bundle as dist/uppy.css.
import '@uppy/core/css/style.min.css'
import '@uppy/dashboard/css/style.min.css'

export { default as Uppy } from '@uppy/core'
export { default as Dashboard } from '@uppy/dashboard'
export { default as AwsS3 } from '@uppy/aws-s3'
export { default as GoldenRetriever } from '@uppy/golden-retriever'

// Uppy's Dashboard, AwsS3 (through the app's Companion S3 routes at /uppy)
// and GoldenRetriever. Everything about the upload is the plugins'; this
// file only configures them and lists the app's callback answers.
import { Uppy, Dashboard, AwsS3, GoldenRetriever } from '/dist/uppy.js'

const MiB = 1024 * 1024
const postBelow = Number(document.body.dataset.postBelow)
const maxSize = Number(document.body.dataset.maxSize)

const uppy = new Uppy({ restrictions: { maxFileSize: maxSize } })
  .use(Dashboard, {
    inline: true,
    target: '#uppy',
    height: 380,
    width: '100%',
    showProgressDetails: true,
    proudlyDisplayPoweredByUppy: false,
  })
  .use(AwsS3, {
    companionEndpoint: '/uppy',
    // OSS relays the app's callback answer in its answer to the upload;
    // only on the multipart path does the handler receive it and pass it
    // to Uppy (see README.md), so by default every file goes by multipart.
    shouldUseMultipart: (file) => file.size >= postBelow,
  })
  // IndexedDB keeps files up to 10 MiB unless told otherwise.
  .use(GoldenRetriever, { indexedDB: { maxFileSize: maxSize, maxTotalSize: 4 * maxSize } })

const answers = document.getElementById('answers')

function show(file, state, text) {
  const li = document.createElement('li')
  li.dataset.name = file.name
  li.dataset.state = state
  const name = document.createElement('b')
  name.textContent = file.name
  const pre = document.createElement('pre')
  pre.textContent = text
  li.append(name, pre)
  answers.append(li)
}

uppy.on('upload-success', async (file, response) => {
  // A data: URL is the app's callback answer; any other is the object's URL.
  const url = response.uploadURL || ''
  if (!url.startsWith('data:')) {
    show(file, 'stored', `stored at ${url} (OSS's answer to the POST does not reach Uppy)`)
    return
  }
  const answer = await (await fetch(url)).text()
  let text = answer
  try { text = JSON.stringify(JSON.parse(answer), null, 1) } catch {}
  show(file, 'done', text)
})

uppy.on('upload-error', (file, error) => show(file, 'error', String(error && error.message)))

window.uppy = uppy
window.MiB = MiB

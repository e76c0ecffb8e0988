'use strict'
// Progress reports and Ctrl-C during long calls (issue 15).
const test = require('node:test')
const assert = require('node:assert/strict')
const { spawn } = require('node:child_process')
const path = require('node:path')
const kehu = require('..')

const rows = (n, d) => Array.from({ length: n }, (_, i) => Array.from({ length: d }, (_, j) => Math.sin(i * (j + 1) * 0.37) + (i % (7 + j)) / 7))

function record (f) {
  const seen = []
  kehu.setProgress((stage, done, total) => seen.push([stage, done, total]))
  try {
    f()
  } finally {
    kehu.setProgress(null)
  }
  return seen
}

function byStage (seen) {
  const stages = {}
  for (const [stage, done, total] of seen) {
    assert.equal(typeof stage, 'string')
    assert.ok(Number.isInteger(done) && Number.isInteger(total) && done >= 0 && done <= total, `${stage} ${done}/${total}`)
    ;(stages[stage] ??= []).push([done, total])
  }
  for (const [stage, reports] of Object.entries(stages)) {
    assert.deepEqual(reports[0], [0, reports[0][1]], `${stage} starts at 0`)
    const last = reports[reports.length - 1]
    assert.equal(last[0], last[1], `${stage} ends at its total`)
  }
  return stages
}

test('long calls report their stages from start to end', () => {
  const x = rows(5000, 3)
  const fit = record(() => new kehu.KMeans({ nClusters: 16, nInit: 2, seed: 1 }).fit(x))
  const stages = byStage(fit)
  assert.deepEqual(Object.keys(stages).sort(), ['k-means', 'k-means++ seeding'])
  assert.deepEqual(stages['k-means'].at(-1), [600, 600])
  const labels = new kehu.KMeans({ nClusters: 3, seed: 1 }).fit(x).labels
  assert.ok('silhouette' in byStage(record(() => kehu.clusterScore('silhouette', x, labels))))
  assert.ok('gaussian mixture' in byStage(record(() => new kehu.GaussianMixture({ nComponents: 2, seed: 1 }).fit(x))))
  // Nothing is reported once the callback is removed, and results do not depend on it.
  const plain = new kehu.KMeans({ nClusters: 16, seed: 1 }).fit(x)
  const watched = record(() => new kehu.KMeans({ nClusters: 16, seed: 1 }).fit(x))
  assert.ok(watched.length > 0)
  assert.deepEqual(new kehu.KMeans({ nClusters: 16, seed: 1 }).fit(x).labels, plain.labels)
})

test('a progress callback that throws stops the call with its own error', () => {
  const x = rows(5000, 3)
  const boom = new Error('boom')
  kehu.setProgress(() => { throw boom })
  try {
    assert.throws(() => new kehu.KMeans({ nClusters: 8, seed: 1 }).fit(x), (e) => e === boom)
  } finally {
    kehu.setProgress(null)
  }
  // The stop request does not outlive the call.
  assert.equal(new kehu.KMeans({ nClusters: 8, seed: 1 }).fit(x).labels.length, 5000)
  assert.throws(() => kehu.setProgress('yes'), (e) => e instanceof kehu.KehuError && e.code === 'DATA_WRONG_TYPE')
})

test('Ctrl-C stops a long call with CANCELLED where SIGINT is listened to', async () => {
  // A child that listens to SIGINT and starts a KMeans that would run for minutes.
  const script = `
    const kehu = require(${JSON.stringify(path.join(__dirname, '..'))})
    let heard = false
    process.on('SIGINT', () => { heard = true })
    const x = Array.from({ length: 200000 }, (_, i) => [Math.sin(i), Math.cos(i * 0.7), (i % 97) / 97, (i % 13) / 13])
    // "ready" once the call is running (its first progress report), so the signal lands inside it.
    let ready = false
    kehu.setProgress(() => { if (!ready) { ready = true; process.stdout.write('ready\\n') } })
    let outcome = 'finished'
    try { new kehu.KMeans({ nClusters: 20000, seed: 1 }).fit(x) } catch (e) { outcome = e.code }
    setTimeout(() => { process.stdout.write(outcome + ' heard=' + heard + '\\n') }, 50)
  `
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] })
  let out = ''
  const timer = setTimeout(() => child.kill('SIGKILL'), 120000)
  child.stdout.on('data', (d) => {
    out += d
    if (out === 'ready\n') setTimeout(() => child.kill('SIGINT'), 500)
  })
  const code = await new Promise((resolve) => child.on('exit', (c, signal) => resolve(signal ?? c)))
  clearTimeout(timer)
  assert.equal(code, 0, out)
  assert.match(out, /CANCELLED heard=true/)
})

test('without a SIGINT listener Ctrl-C ends the process at once, as in Node', async () => {
  const script = `
    const kehu = require(${JSON.stringify(path.join(__dirname, '..'))})
    const x = Array.from({ length: 200000 }, (_, i) => [Math.sin(i), Math.cos(i * 0.7), (i % 97) / 97, (i % 13) / 13])
    let ready = false
    kehu.setProgress(() => { if (!ready) { ready = true; process.stdout.write('ready\\n') } })
    new kehu.KMeans({ nClusters: 20000, seed: 1 }).fit(x)
    process.stdout.write('finished\\n')
  `
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] })
  let out = ''
  const timer = setTimeout(() => child.kill('SIGKILL'), 120000)
  child.stdout.on('data', (d) => {
    out += d
    if (out === 'ready\n') setTimeout(() => child.kill('SIGINT'), 500)
  })
  const ended = await new Promise((resolve) => child.on('exit', (c, signal) => resolve(signal ?? c)))
  clearTimeout(timer)
  assert.equal(ended, 'SIGINT', out)
  assert.equal(out, 'ready\n')
})

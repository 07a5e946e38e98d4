export * from './extraction-job.js'
export { ACCEPTED_RESOURCE_EXTENSIONS, contentDisposition, resourceDownloadName, resourceFileHeaders, resourceFileTypeForMime } from './file-types.js'
export * from './library.js'
export * from './portal-library.js'

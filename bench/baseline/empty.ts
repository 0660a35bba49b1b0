/** The reference row of `npm run bench -- idle`: node itself (and the module-count hook), no program. */
export {}

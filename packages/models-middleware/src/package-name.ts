/** The package's name: every error message and warning it writes starts with it. */
export const PACKAGE_NAME = '@ccproxy/models-middleware';

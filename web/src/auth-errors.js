// Firebase Auth error codes in words a person can act on.
const MESSAGES = {
  'auth/invalid-credential': 'That email and password do not match an account.',
  'auth/wrong-password': 'That email and password do not match an account.',
  'auth/user-not-found': 'There is no account with that email.',
  'auth/invalid-email': 'That email address does not look right.',
  'auth/missing-email': 'Enter your email address.',
  'auth/missing-password': 'Enter a password.',
  'auth/weak-password': 'Choose a password of at least 6 characters.',
  'auth/email-already-in-use': 'An account with that email already exists. Sign in instead.',
  'auth/credential-already-in-use': 'That email already has an account. Sign out and sign in to it instead.',
  'auth/too-many-requests': 'Too many attempts. Wait a moment and try again.',
  'auth/network-request-failed': 'The sign-in service cannot be reached. Check your connection.',
  'auth/operation-not-allowed': 'This way of signing in is not enabled for this app.',
  'auth/admin-restricted-operation': 'Trying it without an account is not enabled for this app.',
};

export const describeAuthError = (error) =>
  MESSAGES[error?.code] ?? error?.message ?? 'Something went wrong. Please try again.';

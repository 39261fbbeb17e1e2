/* Compares Debian versions with libdpkg, as `dpkg --compare-versions` does.
 * stdin: "a\tb" lines; stdout: "<cmp> <a_valid> <b_valid>" lines.
 * A version is invalid when parseversion reports an error (warnings, such
 * as a non-digit first character, are accepted like dpkg itself does). */
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <dpkg/dpkg.h>
#include <dpkg/dpkg-db.h>
#include <dpkg/version.h>

static int parse(struct dpkg_version *v, const char *s) {
  struct dpkg_error err = DPKG_ERROR_INIT;
  int rc = parseversion(v, s, &err);
  int ok = !(rc < 0 && err.type == DPKG_MSG_ERROR);
  dpkg_error_destroy(&err);
  return ok;
}

int main(void) {
  char *line = NULL;
  size_t cap = 0;
  ssize_t n;
  while ((n = getline(&line, &cap, stdin)) >= 0) {
    if (n > 0 && line[n - 1] == '\n') line[--n] = '\0';
    char *tab = strchr(line, '\t');
    if (!tab) { printf("x 0 0\n"); continue; }
    *tab = '\0';
    struct dpkg_version a, b;
    int va = parse(&a, line), vb = parse(&b, tab + 1);
    if (va && vb) {
      int c = dpkg_version_compare(&a, &b);
      printf("%d 1 1\n", c < 0 ? -1 : c > 0 ? 1 : 0);
    } else {
      printf("x %d %d\n", va, vb);
    }
  }
  free(line);
  return 0;
}

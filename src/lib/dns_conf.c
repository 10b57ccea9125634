/* dns_conf.c -- where the resolver finds its servers; see dns.h. */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "control.h"
#include "dns.h"
#include "env.h"
#include "readfile.h"
#include "scan.h"

#define TIMEOUT_DEFAULT 5
#define TIMEOUT_MAX 30
#define ATTEMPTS_DEFAULT 2
#define ATTEMPTS_MAX 5

static int
invalid(void)
{
  errno = EINVAL;
  return 0;
}

static int
separator(char c)
{
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == ','
         || c == 0;
}

static int
blank(char c)
{
  return c == ' ' || c == '\t' || c == '\r';
}

/* The whole of text[0..len) as a decimal number in 1..max. */
static int
number(const char *text, size_t len, unsigned long max, unsigned long *out)
{
  unsigned long n;

  if (!len || scan_ulongn(text, len, &n) != len || n < 1 || n > max)
    return 0;
  *out = n;
  return 1;
}

static int
scope_scan(unsigned int *scope, const char *text, size_t len)
{
  char name[IF_NAMESIZE + 1];
  unsigned long n;

  if (number(text, len, 0xffffffffUL, &n)) {
    *scope = (unsigned int)n;
    return 1;
  }
  if (!len || len > IF_NAMESIZE)
    return invalid();
  memcpy(name, text, len);
  name[len] = 0;
  *scope = if_nametoindex(name);
  return *scope ? 1 : invalid();
}

int
dns_server_scan(struct dns_server *server, const char *text, size_t len)
{
  char buf[INET6_ADDRSTRLEN + 1];
  const char *addr = text, *port = 0, *scope = 0, *p;
  size_t alen = len, plen = 0, slen = 0, colons = 0, i;
  unsigned long n;

  if (!len)
    return invalid();
  if (text[0] == '[') {
    p = memchr(text, ']', len);
    if (!p)
      return invalid();
    addr = text + 1;
    alen = (size_t)(p - addr);
    i = (size_t)(p + 1 - text);
    if (i < len) {
      if (text[i] != ':')
        return invalid();
      port = text + i + 1;
      plen = len - i - 1;
    }
  } else {
    for (i = 0; i < len; ++i)
      colons += text[i] == ':';
    if (colons == 1) {
      p = memchr(text, ':', len);
      alen = (size_t)(p - text);
      port = p + 1;
      plen = len - alen - 1;
    }
  }
  p = memchr(addr, '%', alen);
  if (p) {
    scope = p + 1;
    slen = alen - (size_t)(scope - addr);
    alen = (size_t)(p - addr);
  }
  if (!alen || alen >= sizeof buf)
    return invalid();
  memcpy(buf, addr, alen);
  buf[alen] = 0;
  server->scope = 0;
  if (!scope && inet_pton(AF_INET, buf, server->addr.ip) == 1)
    server->addr.family = AF_INET;
  else if (inet_pton(AF_INET6, buf, server->addr.ip) == 1) {
    server->addr.family = AF_INET6;
    if (scope && !scope_scan(&server->scope, scope, slen))
      return 0;
  } else
    return invalid();
  server->port = 53;
  if (port) {
    if (!number(port, plen, 65535, &n))
      return invalid();
    server->port = (unsigned int)n;
  }
  return 1;
}

int
dns_conf_servers(struct dns_conf *conf, const char *text, size_t len)
{
  struct dns_server found[DNS_SERVERS_MAX];
  struct dns_server ignored;
  unsigned int count = 0;
  size_t i = 0, start;

  while (i < len) {
    if (separator(text[i])) {
      ++i;
      continue;
    }
    if (text[i] == '#') {
      while (i < len && text[i] != '\n' && text[i] != 0)
        ++i;
      continue;
    }
    start = i;
    while (i < len && !separator(text[i]))
      ++i;
    if (!dns_server_scan(count < DNS_SERVERS_MAX ? &found[count] : &ignored,
                         text + start, i - start))
      return 0;
    if (count < DNS_SERVERS_MAX)
      ++count;
  }
  if (count) {
    memcpy(conf->server, found, count * sizeof found[0]);
    conf->servers = count;
  }
  return 1;
}

int
dns_conf_options(struct dns_conf *conf, const char *text, size_t len)
{
  size_t i = 0, start, n;
  unsigned long value;

  while (i < len) {
    if (separator(text[i])) {
      ++i;
      continue;
    }
    start = i;
    while (i < len && !separator(text[i]))
      ++i;
    n = i - start;
    /* values out of range are clamped, malformed ones ignored, as the
     * C libraries do with this line */
    if (n > 8 && !memcmp(text + start, "timeout:", 8)
        && scan_ulongn(text + start + 8, n - 8, &value) == n - 8)
      conf->timeout = value < 1 ? 1 : value > TIMEOUT_MAX ? TIMEOUT_MAX
                                                            : (unsigned int)value;
    else if (n > 9 && !memcmp(text + start, "attempts:", 9)
             && scan_ulongn(text + start + 9, n - 9, &value) == n - 9)
      conf->attempts = value < 1 ? 1 : value > ATTEMPTS_MAX ? ATTEMPTS_MAX
                                                              : (unsigned int)value;
  }
  return 1;
}

/* The words after a "search" or "domain" keyword become the list. */
static int
search_set(struct dns_conf *conf, const char *text, size_t len)
{
  size_t i = 0, start;

  conf->search.len = 0;
  while (i < len) {
    if (blank(text[i])) {
      ++i;
      continue;
    }
    start = i;
    while (i < len && !blank(text[i]))
      ++i;
    if (!stralloc_catb(&conf->search, text + start, i - start)
        || !stralloc_0(&conf->search))
      return 0;
  }
  return 1;
}

static int
keyword(const char *line, size_t len, const char *word, size_t *rest)
{
  size_t n = strlen(word);

  if (len <= n || memcmp(line, word, n) || !blank(line[n]))
    return 0;
  *rest = n;
  return 1;
}

int
dns_conf_resolv(struct dns_conf *conf, const char *text, size_t len)
{
  struct dns_server server;
  const char *line, *end;
  size_t n, rest, start, stop;

  while (len) {
    line = text;
    end = memchr(text, '\n', len);
    n = end ? (size_t)(end - text) : len;
    text += end ? n + 1 : n;
    len -= end ? n + 1 : n;
    if (keyword(line, n, "nameserver", &rest)) {
      for (start = rest; start < n && blank(line[start]); ++start)
        ;
      for (stop = start; stop < n && !blank(line[stop]); ++stop)
        ;
      /* an address the C library would not use either is skipped, so
       * that one bad line does not stop all mail */
      if (conf->servers < DNS_SERVERS_MAX
          && dns_server_scan(&server, line + start, stop - start))
        conf->server[conf->servers++] = server;
    } else if (keyword(line, n, "options", &rest)) {
      dns_conf_options(conf, line + rest, n - rest);
    } else if (keyword(line, n, "search", &rest)
               || keyword(line, n, "domain", &rest)) {
      if (!search_set(conf, line + rest, n - rest))
        return 0;
    }
  }
  return 1;
}

int
dns_conf_load(struct dns_conf *conf, const char *controlfile)
{
  stralloc text = STRALLOC_ZERO;
  const char *value;
  int r;

  conf->servers = 0;
  conf->timeout = TIMEOUT_DEFAULT;
  conf->attempts = ATTEMPTS_DEFAULT;
  conf->search.len = 0;
  if (readfile("/etc/resolv.conf", &text)) {
    if (!dns_conf_resolv(conf, text.s, text.len))
      goto fail;
  } else if (errno != ENOENT)
    goto fail;
  value = env_get("RES_OPTIONS");
  if (value)
    dns_conf_options(conf, value, strlen(value));
  if (controlfile) {
    r = control_readlist(&text, controlfile);
    if (r == -1)
      goto fail;
    if (r == 1 && !dns_conf_servers(conf, text.s, text.len))
      goto fail;
  }
  value = env_get("DNSSERVER");
  if (value && !dns_conf_servers(conf, value, strlen(value)))
    goto fail;
  if (!conf->servers) {
    dns_server_scan(&conf->server[0], "127.0.0.1", 9);
    dns_server_scan(&conf->server[1], "::1", 3);
    conf->servers = 2;
  }
  stralloc_free(&text);
  return 1;
fail:
  r = errno;
  stralloc_free(&text);
  errno = r;
  return 0;
}

void
dns_conf_free(struct dns_conf *conf)
{
  stralloc_free(&conf->search);
}

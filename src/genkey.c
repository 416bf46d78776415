/*
 * argoctl genkey [file]: a new network key, 32 bytes from libsodium's
 * randombytes (the kernel's CSPRNG), printed as the 64 hex digits that
 * key and key-file accept (argod.conf(5)). With a file, the key is
 * written there, created mode 0600 and never over an existing file: a
 * key overwritten by mistake cuts a PoP off its overlay.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "genkey.h"
#include "wire.h"

/* argoctl(8) EXIT STATUS: usage 2, a key that could not be made 4 */
#define GENKEY_USAGE	2
#define GENKEY_TROUBLE	4

static int
genkey_write(const char *path, const char *text, size_t len)
{
	int fd, saved;

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    0600);
	if (fd == -1) {
		if (errno == EEXIST)
			fprintf(stderr, "argoctl: genkey: %s exists; not "
			    "overwriting a key\n", path);
		else
			fprintf(stderr, "argoctl: genkey: %s: %s\n", path,
			    strerror(errno));
		return -1;
	}
	/* The umask may have taken more than group and others' bits. */
	if (fchmod(fd, 0600) == -1 ||
	    write(fd, text, len) != (ssize_t)len || fsync(fd) == -1) {
		saved = errno;
		close(fd);
		unlink(path);
		fprintf(stderr, "argoctl: genkey: %s: %s\n", path,
		    strerror(saved));
		return -1;
	}
	if (close(fd) == -1) {
		saved = errno;
		unlink(path);
		fprintf(stderr, "argoctl: genkey: %s: %s\n", path,
		    strerror(saved));
		return -1;
	}
	return 0;
}

int
genkey_main(int argc, char *argv[])
{
	unsigned char key[WIRE_KEY_LEN];
	char hex[WIRE_KEY_LEN * 2 + 2];
	size_t len;
	int rc = 0;

	if (argc > 2) {
		fprintf(stderr, "usage: argoctl genkey [file]\n");
		return GENKEY_USAGE;
	}
	if (sodium_init() == -1) {
		fprintf(stderr, "argoctl: genkey: libsodium initialisation "
		    "failed\n");
		return GENKEY_TROUBLE;
	}
	randombytes_buf(key, sizeof(key));
	sodium_bin2hex(hex, sizeof(hex), key, sizeof(key));
	len = strlen(hex);
	hex[len++] = '\n';
	hex[len] = '\0';
	if (argc == 2) {
		if (genkey_write(argv[1], hex, len) == -1)
			rc = GENKEY_TROUBLE;
	} else if (fputs(hex, stdout) == EOF || fflush(stdout) == EOF) {
		fprintf(stderr, "argoctl: genkey: stdout: %s\n",
		    strerror(errno));
		rc = GENKEY_TROUBLE;
	}
	sodium_memzero(key, sizeof(key));
	sodium_memzero(hex, sizeof(hex));
	return rc;
}

/* argoctl genkey: a new network key (argod.conf(5), key and key-file). */
#ifndef ARGO_GENKEY_H
#define ARGO_GENKEY_H

/*
 * argv[0] is "genkey"; returns the exit status: 0, 2 usage, 4 when the
 * key could not be made or written.
 */
int	genkey_main(int argc, char *argv[]);

#endif

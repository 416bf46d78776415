/*
 * The status protocol (DESIGN.md decision 8), shared by the server
 * (ctl.c) and its clients (ctlclient.c): version and limits. Neither end
 * includes the other's header.
 */
#ifndef ARGO_CTL_PROTO_H
#define ARGO_CTL_PROTO_H

/* Bump on any incompatible change of requests, replies or events. */
#define CTL_PROTOCOL		1
#define CTL_MAX_REQUEST		(64 * 1024)
#define CTL_DEFAULT_MAX_OUTPUT	(4 * 1024 * 1024)

#endif

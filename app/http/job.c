/*
 * Password and secret jobs: argon2id in a Kore task thread (see http.h).
 * The event loop only copies inputs in and results out; the thread touches
 * nothing but the job.
 */

#include <sys/types.h>

#include <string.h>

#include <kore/kore.h>
#include <kore/http.h>
#include <kore/tasks.h>

#include "xiangzhi/http.h"
#include "xiangzhi/secret.h"

static int	job_entry(struct kore_task *);
static void	job_copy(char *, size_t, const char *, size_t);

void
xz_job_verify(struct xz_ctx *ctx, const char *stored0, const char *stored1,
    const char *secret, size_t len, int rehash)
{
	struct xz_job	*j = &ctx->job;

	j->verify = 1;
	j->rehash = rehash;
	xz_job_stored(ctx, stored0, stored1);
	/* Longer than any accepted secret: checked as empty, never matches. */
	if (len > XZ_SECRET_MAX) {
		len = 0;
		j->toolong = 1;
	}
	job_copy(j->secret, sizeof(j->secret), secret, len);
	j->secretlen = len;
}

void
xz_job_stored(struct xz_ctx *ctx, const char *stored0, const char *stored1)
{
	struct xz_job	*j = &ctx->job;
	const char	*st[2] = { stored0, stored1 };
	int		i;

	j->nstored = stored1 != NULL ? 2 : 1;
	for (i = 0; i < 2; i++) {
		j->has_stored[i] = st[i] != NULL &&
		    strlen(st[i]) < sizeof(j->stored[i]);
		if (j->has_stored[i])
			job_copy(j->stored[i], sizeof(j->stored[i]), st[i],
			    strlen(st[i]));
	}
}

void
xz_job_hash(struct xz_ctx *ctx, const char *secret, size_t len)
{
	struct xz_job	*j = &ctx->job;

	if (len > XZ_SECRET_MAX)
		fatal("xz_job_hash: secret of %zu bytes", len);
	j->hash = 1;
	job_copy(j->newsecret, sizeof(j->newsecret), secret, len);
	j->newlen = len;
}

int
xz_job_run(struct xz_ctx *ctx)
{
	struct xz_job	*j = &ctx->job;

	if (j->started)
		fatal("xz_job_run: one job per request");
	j->started = 1;
	kore_task_create(&j->task, job_entry);
	kore_task_bind_request(&j->task, ctx->req);
	kore_task_run(&j->task);
	return (XZ_WAIT);
}

int
xz_job_done(struct xz_ctx *ctx)
{
	if (kore_task_finished(&ctx->job.task))
		return (1);
	http_request_sleep(ctx->req);
	return (0);
}

void
xz_job_wipe(struct xz_ctx *ctx)
{
	struct xz_job	*j = &ctx->job;

	sodium_memzero(j->secret, sizeof(j->secret));
	sodium_memzero(j->newsecret, sizeof(j->newsecret));
	j->secretlen = j->newlen = 0;
}

/* Runs in a task thread. */
static int
job_entry(struct kore_task *t)
{
	struct xz_job	*j = (struct xz_job *)t;
	int		i;

	if (j->verify) {
		for (i = 0; i < j->nstored && j->match == 0; i++) {
			if (xz_secret_verify(j->has_stored[i] ? j->stored[i] :
			    NULL, j->secret, j->secretlen) == 1 && !j->toolong)
				j->match = i + 1;
		}
		/* A new secret is hashed only when the old one matched. */
		if (j->match == 0)
			j->hash = 0;
		if (j->match == 1 && j->rehash &&
		    xz_secret_needs_rehash(j->stored[0], NULL) == 1) {
			j->hash = 1;
			memcpy(j->newsecret, j->secret, j->secretlen);
			j->newlen = j->secretlen;
		}
	}
	if (j->hash) {
		if (xz_secret_hash(j->newsecret, j->newlen, NULL,
		    j->hashout) == 0)
			j->hashed = 1;
		else
			j->failed = 1;
	}
	return (KORE_RESULT_OK);
}

static void
job_copy(char *dst, size_t dstlen, const char *src, size_t len)
{
	if (len >= dstlen)
		fatal("job_copy: %zu bytes do not fit", len);
	if (len > 0)
		memcpy(dst, src, len);
	dst[len] = '\0';
}

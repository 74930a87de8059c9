/*
 * The s3-unmask command: one entry point per subcommand.  Each returns the
 * process exit status documented in README.md (0, 1, or 2 for usage and
 * input errors).
 */

#ifndef S3U_CLI_H
#define S3U_CLI_H

int s3u_cmd_detect(int argc, char **argv);
int s3u_cmd_eval(int argc, char **argv);
int s3u_cmd_check(int argc, char **argv);
int s3u_cmd_lint(int argc, char **argv);
int s3u_cmd_decode(int argc, char **argv);

#endif /* S3U_CLI_H */

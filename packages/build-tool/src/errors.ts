import { OciError, type OciErrorOptions } from '@ocikit/oci-image';

/** A Dockerfile that cannot be parsed or names something impossible; carries file:line:column. */
export class DockerfileSyntaxError extends OciError {
  constructor(readonly file: string, readonly line: number, readonly column: number, message: string, options: OciErrorOptions = {}) {
    super('ERR_BUILD_SYNTAX', `${file}:${line}:${column}: ${message}`, options);
  }
}

/** Anything else a build can fail on (missing stage, missing COPY source, bad flag). */
export class BuildError extends OciError {
  constructor(code: string, message: string, options: OciErrorOptions = {}) {
    super(code, message, options);
  }
}

/** A RUN step that exited non-zero: names the step, the command and the exit code. */
export class StepFailedError extends OciError {
  constructor(readonly step: string, readonly command: string, readonly exitCode: number) {
    super('ERR_BUILD_RUN_FAILED', `${step}: ${JSON.stringify(command)} exited with code ${exitCode}`, {
      hint: 'nothing was committed; fix the command and build again',
    });
  }
}

export class SourceNotFoundError extends OciError {
  constructor(readonly source: string, where: string) {
    super('ERR_BUILD_SOURCE_NOT_FOUND', `COPY/ADD source ${JSON.stringify(source)} not found in ${where}`, {
      hint: 'check the path relative to the build context and the .dockerignore rules',
    });
  }
}

export class WorkingContainerError extends OciError {
  constructor(message: string, options: OciErrorOptions = {}) {
    super('ERR_BUILD_CONTAINER', message, options);
  }
}

import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import { Catch, Inject, Injectable, NotFoundException, type ArgumentsHost, type ExceptionFilter, type OnApplicationBootstrap } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { Response } from 'express';
import { throwError, type Observable } from 'rxjs';
import { ErrorCode } from '@meridian/contracts';
import { failureEnvelope } from './rest.pipeline';

/**
 * A path no controller serves (`/foo`, `/v3/...`; `/v4/...` has its own 60009 route) gets
 * Tencent's JSON envelope with 60009 and HTTP 404 instead of Nest's default body, so a client
 * parsing JSON still reads a code. Only HTTP: gRPC never throws NotFoundException, and if it did
 * the error goes on unchanged.
 */
@Catch(NotFoundException)
export class NotFoundEnvelopeFilter implements ExceptionFilter<NotFoundException> {
  catch(exception: NotFoundException, host: ArgumentsHost): void | Observable<never> {
    if (host.getType() !== 'http') return throwError(() => exception);
    const res = host.switchToHttp().getResponse<Response>();
    if (res.headersSent) return;
    const body = failureEnvelope('', ErrorCode.BAD_RESOURCE, 'no such resource: REST commands are POST /v4/<service>/<command>');
    res.status(404).type('application/json').send(JSON.stringify(body));
  }
}

/** The answer to a request Node's HTTP parser refused, written straight to the socket. */
export function parserErrorResponse(code: string | undefined): string {
  const tooLarge = code === 'HPE_HEADER_OVERFLOW';
  const body = JSON.stringify(
    failureEnvelope('', ErrorCode.HTTP_PARSE, tooLarge ? 'the request line and headers are larger than the server accepts (16 KiB)' : 'malformed HTTP request'),
  );
  const status = tooLarge ? '431 Request Header Fields Too Large' : '400 Bad Request';
  return `HTTP/1.1 ${status}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`;
}

/**
 * Node answers a request line or headers over its limit (16 KiB) with an empty 431, and other
 * unparsable requests with an empty 400: the gateway writes Tencent's envelope (60002) instead.
 */
@Injectable()
export class ParserErrorEnvelopes implements OnApplicationBootstrap {
  constructor(@Inject(HttpAdapterHost) private readonly adapter: HttpAdapterHost) {}

  onApplicationBootstrap(): void {
    const server = this.adapter.httpAdapter?.getHttpServer() as Server | undefined;
    server?.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
      // A reset or a half-written response cannot be answered any more.
      if (err.code === 'ECONNRESET' || !socket.writable) {
        socket.destroy();
        return;
      }
      socket.end(parserErrorResponse(err.code));
    });
  }
}

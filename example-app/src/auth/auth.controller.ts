import { Body, Controller, HttpCode, Post, UnauthorizedException } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { DemoUsers } from './demo-users';
import type { AccessTokenClaims } from './jwt.strategy';

@Controller('auth')
export class AuthController {
  constructor(
    private readonly users: DemoUsers,
    private readonly jwt: JwtService,
  ) {}

  /** `{ username, password }` of a demo user → `{ accessToken }`, to send as `Authorization: Bearer <accessToken>`. */
  @Post('login')
  @HttpCode(200)
  async login(@Body() body: unknown): Promise<{ accessToken: string }> {
    const { username, password } = (body ?? {}) as Record<string, unknown>;
    const id = this.users.authenticate(username, password);
    if (!id) throw new UnauthorizedException('Unknown user or wrong password');
    const claims: AccessTokenClaims = { sub: id };
    return { accessToken: await this.jwt.signAsync(claims) };
  }
}

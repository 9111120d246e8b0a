"""The token endpoint (POST /api/auth/token/), behind the sign-in brake and the token throttle."""

from __future__ import annotations

from django.contrib.auth import authenticate
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from challenge.accounts import services as account_services
from challenge.accounts import signin
from challenge.accounts.serializers import TokenRequestSerializer, TokenSerializer
from config.api_errors import ErrorsSerializer, error_body
from config.throttles import TokenThrottle


class TokenCreateApi(APIView):
    """Exchange a username and password for the account's API token (created if missing, replaced
    if it was issued under an earlier password). Braked like every sign-in: 429 with Retry-After
    after repeated failures."""

    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes = [TokenThrottle]

    @extend_schema(request=TokenRequestSerializer,
                   responses={200: TokenSerializer, 400: ErrorsSerializer, 429: ErrorsSerializer})
    def post(self, request):
        serializer = TokenRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = authenticate(request, **serializer.validated_data)
        if user is None and (refusal := signin.refusal_of(request)) is not None:
            return Response(error_body([(None, refusal.message)]), status=status.HTTP_429_TOO_MANY_REQUESTS,
                            headers={"Retry-After": str(refusal.retry_after)})
        if user is None or not user.is_active:
            return Response(error_body([(None, "Unable to log in with these credentials.")]),
                            status=status.HTTP_400_BAD_REQUEST)
        return Response({"token": account_services.api_token(user=user).key})

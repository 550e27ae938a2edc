using System;
using System.Net;
using System.Net.Http;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using SocketIo.Core.OctoPrint;
using Xunit;

namespace SocketIo.Core.Tests.OctoPrint
{
    /// <summary>How login responses map to results and errors, with a canned HTTP handler (no server).</summary>
    public class OctoPrintLoginMappingTests
    {
        private const string Key = "KEY-0123456789abcdef";
        private const string Secret = "pa55-word-xyz";
        private const string Token = "4b0e9f9c2f0d4c1f8e6a8d2b7c3e5a91e0c4d6b8a2f1e3c5d7b9a0c2e4f6a8b0";

        private sealed class Canned : HttpMessageHandler
        {
            private readonly HttpStatusCode _status;
            private readonly string _body;
            private readonly string _mediaType;

            public Canned(HttpStatusCode status, string body, string mediaType = "application/json")
            {
                _status = status;
                _body = body;
                _mediaType = mediaType;
            }

            public HttpRequestMessage? Request { get; private set; }
            public string? RequestBody { get; private set; }

            protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
            {
                Request = request;
                RequestBody = request.Content == null ? null : await request.Content.ReadAsStringAsync(cancellationToken);
                return new HttpResponseMessage(_status) { Content = new StringContent(_body, Encoding.UTF8, _mediaType) };
            }
        }

        private static OctoPrintClientOptions KeyOptions() => new OctoPrintClientOptions { BaseUri = new Uri("http://octopi.local/octoprint"), ApiKey = Key };

        private static OctoPrintClientOptions PasswordOptions() =>
            new OctoPrintClientOptions { BaseUri = new Uri("http://octopi.local/"), UserName = "bob", Password = Secret };

        private static async Task<OctoPrintLoginResult> Login(Canned handler, OctoPrintClientOptions options)
        {
            using var http = new HttpClient(handler);
            return await OctoPrintLogin.LoginAsync(http, options, CancellationToken.None);
        }

        [Fact]
        public async Task PassiveLoginWithTheKeyInAHeader()
        {
            var handler = new Canned(HttpStatusCode.OK, "{\"name\":\"bob\",\"session\":\"" + Token + "\",\"_login_mechanism\":\"apikey\"}");
            var result = await Login(handler, KeyOptions());
            Assert.Equal("bob", result.Name);
            Assert.Equal(Token, result.Session);
            Assert.DoesNotContain(Token, result.ToString());
            Assert.Equal(HttpMethod.Post, handler.Request!.Method);
            Assert.Equal("http://octopi.local/octoprint/api/login", handler.Request.RequestUri!.ToString());
            Assert.Equal(Key, Assert.Single(handler.Request.Headers.GetValues("X-Api-Key")));
            Assert.Equal("{\"passive\":true}", handler.RequestBody);
            Assert.DoesNotContain(Key, handler.Request.RequestUri.ToString());
        }

        [Fact]
        public async Task CredentialLoginSendsUserAndPass()
        {
            var handler = new Canned(HttpStatusCode.OK, "{\"name\":\"bob\",\"session\":\"" + Token + "\"}");
            await Login(handler, PasswordOptions());
            Assert.Equal("{\"user\":\"bob\",\"pass\":\"" + Secret + "\"}", handler.RequestBody);
            Assert.False(handler.Request!.Headers.Contains("X-Api-Key"));
        }

        [Theory]
        [InlineData(HttpStatusCode.Unauthorized, "{}", "OctoPrint rejected the API key (HTTP 401: Unauthorized).")]
        [InlineData(HttpStatusCode.Forbidden, "{\"error\":\"Two-factor authentication required\",\"mfa\":[\"x\"]}", "OctoPrint rejected the API key (HTTP 403: Two-factor authentication required).")]
        [InlineData(HttpStatusCode.TooManyRequests, "{}", "OctoPrint refused the login: too many failed logins, try again later (HTTP 429).")]
        [InlineData(HttpStatusCode.OK, "{\"needs\":{\"role\":[]},\"groups\":[\"guests\"]}", "OctoPrint did not accept the API key: the login came back anonymous (no session).")]
        [InlineData(HttpStatusCode.OK, "{\"name\":\"bob\",\"session\":\"\"}", "OctoPrint did not accept the API key: the login came back anonymous (no session).")]
        [InlineData(HttpStatusCode.OK, "{\"name\":\"a:b\",\"session\":\"s\"}", "The OctoPrint user name contains ':', which the push socket's auth message cannot carry.")]
        public async Task LoginFailures(HttpStatusCode status, string body, string message)
        {
            var error = await Assert.ThrowsAsync<OctoPrintLoginFailedException>(() => Login(new Canned(status, body), KeyOptions()));
            Assert.Equal(message, error.Message);
            Assert.Equal((int)status, error.StatusCode);
            Assert.DoesNotContain(Key, error.ToString());
        }

        [Fact]
        public async Task WrongPasswordSaysSoWithoutThePassword()
        {
            var error = await Assert.ThrowsAsync<OctoPrintLoginFailedException>(() =>
                Login(new Canned(HttpStatusCode.Forbidden, "{\"error\":\"User unknown or password incorrect\"}"), PasswordOptions()));
            Assert.Equal("OctoPrint rejected the user name or password (HTTP 403: User unknown or password incorrect).", error.Message);
            Assert.DoesNotContain(Secret, error.ToString());
        }

        [Theory]
        [InlineData(HttpStatusCode.InternalServerError, "{\"error\":\"boom\"}", "application/json", "boom")]
        [InlineData(HttpStatusCode.BadRequest, "Bad request body", "text/plain", "Bad request body")]
        [InlineData(HttpStatusCode.BadGateway, "<html>proxy</html>", "text/html", "Bad Gateway")]
        public async Task OtherStatusesAreRequestFailures(HttpStatusCode status, string body, string mediaType, string serverMessage)
        {
            var error = await Assert.ThrowsAsync<OctoPrintRequestFailedException>(() => Login(new Canned(status, body, mediaType), KeyOptions()));
            Assert.Equal((int)status, error.StatusCode);
            Assert.Equal(serverMessage, error.ServerMessage);
            Assert.Equal($"OctoPrint answered POST /api/login with HTTP {(int)status}: {serverMessage}", error.Message);
        }

        [Fact]
        public async Task NonJsonSuccessIsARequestFailure()
        {
            var error = await Assert.ThrowsAsync<OctoPrintRequestFailedException>(() => Login(new Canned(HttpStatusCode.OK, "<html/>", "text/html"), KeyOptions()));
            Assert.Equal(200, error.StatusCode);
        }
    }
}

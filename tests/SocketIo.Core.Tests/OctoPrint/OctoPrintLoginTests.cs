using System;
using System.Threading;
using System.Threading.Tasks;
using SocketIo.Core.OctoPrint;
using Xunit;

namespace SocketIo.Core.Tests.OctoPrint
{
    /// <summary>Login (REST) and the first connect against octoprint-sim.js.</summary>
    public class OctoPrintLoginTests
    {
        [Fact]
        public async Task ApiKeyLoginConnects()
        {
            using var sim = await OctoPrintSimulator.StartAsync();
            using var client = await OctoPrintTestClient.ConnectAsync(sim);
            Assert.Equal(ConnectionState.Connected, client.Client.State);
            Assert.Equal(OctoPrintSimulator.User, client.Client.UserName);
            Assert.Equal("1.10.3", client.Client.ServerVersion);
            var state = await sim.SingleClientAsync();
            Assert.True(state!.Value.GetProperty("authenticated").GetBoolean());
            Assert.Equal(OctoPrintSimulator.User, state.Value.GetProperty("user").GetString());
        }

        [Fact]
        public async Task UserAndPasswordLoginConnects()
        {
            using var sim = await OctoPrintSimulator.StartAsync();
            using var client = await OctoPrintTestClient.ConnectAsync(sim, o =>
            {
                o.ApiKey = null;
                o.UserName = OctoPrintSimulator.User;
                o.Password = OctoPrintSimulator.Password;
            });
            Assert.Equal(ConnectionState.Connected, client.Client.State);
            Assert.Equal(OctoPrintSimulator.User, client.Client.UserName);
            await client.WaitForMessageAsync(m => m.Type == "history", "history");
        }

        [Fact]
        public async Task BadApiKeyIsALoginFailureWithoutTheKeyInTheMessage()
        {
            using var sim = await OctoPrintSimulator.StartAsync();
            using var client = new OctoPrintTestClient(sim, o => o.ApiKey = "wrong-key-9f8e7d");
            var error = await Assert.ThrowsAsync<OctoPrintLoginFailedException>(() => client.Client.ConnectAsync(CancellationToken.None));
            Assert.Equal(403, error.StatusCode);
            Assert.Contains("API key", error.Message);
            Assert.DoesNotContain("wrong-key-9f8e7d", error.ToString());
            Assert.Equal(ConnectionState.Disconnected, client.Client.State);
            Assert.DoesNotContain("wrong-key-9f8e7d", client.Client.Options.ToString());
        }

        [Fact]
        public async Task AnonymousPassiveLoginIsALoginFailure()
        {
            using var sim = await OctoPrintSimulator.StartAsync("--passive-anonymous");
            using var client = new OctoPrintTestClient(sim, o => o.ApiKey = "wrong-key-9f8e7d");
            var error = await Assert.ThrowsAsync<OctoPrintLoginFailedException>(() => client.Client.ConnectAsync(CancellationToken.None));
            Assert.Equal(200, error.StatusCode);
            Assert.Contains("anonymous", error.Message);
            Assert.DoesNotContain("wrong-key-9f8e7d", error.ToString());
        }

        [Fact]
        public async Task WrongPasswordIsALoginFailureWithOctoPrintsMessage()
        {
            using var sim = await OctoPrintSimulator.StartAsync();
            using var client = new OctoPrintTestClient(sim, o =>
            {
                o.ApiKey = null;
                o.UserName = OctoPrintSimulator.User;
                o.Password = "hunter2-wrong";
            });
            var error = await Assert.ThrowsAsync<OctoPrintLoginFailedException>(() => client.Client.ConnectAsync(CancellationToken.None));
            Assert.Equal(403, error.StatusCode);
            Assert.Contains("user name or password", error.Message);
            Assert.Contains("User unknown or password incorrect", error.Message);
            Assert.DoesNotContain("hunter2-wrong", error.ToString());
        }

        [Fact]
        public async Task UnreachableServerIsAConnectFailure()
        {
            int port;
            using (var sim = await OctoPrintSimulator.StartAsync()) port = sim.Port;
            var options = new OctoPrintClientOptions { BaseUri = new Uri($"http://127.0.0.1:{port}/"), ApiKey = "k-123", ConnectTimeout = TimeSpan.FromSeconds(5) };
            using var client = new OctoPrintClient(options);
            var error = await Assert.ThrowsAsync<SocketIoConnectFailedException>(() => client.ConnectAsync(CancellationToken.None));
            Assert.Contains("api/login", error.Message);
            Assert.DoesNotContain("k-123", error.ToString());
            Assert.Equal(ConnectionState.Disconnected, client.State);
        }

        [Fact]
        public void OptionsAreValidated()
        {
            Assert.Throws<ArgumentException>(() => new OctoPrintClient(new OctoPrintClientOptions()));
            Assert.Throws<ArgumentException>(() => new OctoPrintClient(new OctoPrintClientOptions { BaseUri = new Uri("ftp://x/") }));
            Assert.Throws<ArgumentException>(() => new OctoPrintClient(new OctoPrintClientOptions { BaseUri = new Uri("http://x/"), ApiKey = "k", UserName = "u", Password = "p" }));
            Assert.Throws<ArgumentException>(() => new OctoPrintClient(new OctoPrintClientOptions { BaseUri = new Uri("http://x/"), UserName = "u" }));
            Assert.Throws<ArgumentException>(() => new OctoPrintClient(new OctoPrintClientOptions { BaseUri = new Uri("http://x/"), UserName = "a:b", Password = "p" }));
        }
    }
}

// Log in, sign up (a new workspace) and accept an invite. Each stores the session the API answers with and
// goes on to where the user was headed.
import { useState, type FormEvent, type ReactNode } from "react";
import { Link, Navigate, useNavigate, useSearchParams } from "react-router";
import { useMutation } from "@tanstack/react-query";
import { api, unwrap, type Schemas } from "@/lib/api/client";
import { readSession, sessionFrom, writeSession, type TokenAnswer } from "@/lib/auth/session";
import { formErrors } from "@/lib/forms";
import { FormError, TextField } from "@/components/ui";

interface SignedIn extends TokenAnswer {
  user?: { name?: string; email?: string };
  member?: { name?: string; email?: string };
}

/** Where to go after signing in: the screen that sent the user to login, if it is one of ours. */
function useNextScreen(): string {
  const [params] = useSearchParams();
  const next = params.get("next");
  return next && next.startsWith("/") && !next.startsWith("//") ? next : "/";
}

function useSignIn() {
  const navigate = useNavigate();
  const next = useNextScreen();
  return (answer: SignedIn) => {
    writeSession(sessionFrom(answer, answer.user ?? answer.member));
    navigate(next, { replace: true });
  };
}

function AuthFrame({ title, children, footer }: { title: string; children: ReactNode; footer: ReactNode }) {
  return (
    <main className="auth">
      <section className="panel stack" aria-labelledby="auth-title">
        <div className="brand" style={{ padding: 0 }}>
          Lead<span>Pilot</span>
        </div>
        <h1 id="auth-title">{title}</h1>
        {children}
        <p className="muted">{footer}</p>
      </section>
    </main>
  );
}

export function LoginPage() {
  const signIn = useSignIn();
  const next = useNextScreen();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const login = useMutation({
    mutationFn: (body: Schemas["Login"]) => unwrap(api.POST("/auth/login", { body })) as Promise<SignedIn>,
    onSuccess: signIn,
  });
  if (readSession()) return <Navigate to={next} replace />;
  const errors = formErrors(login.error, ["email", "password"]);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    login.mutate({ email, password });
  };
  return (
    <AuthFrame
      title="Log in"
      footer={
        <>
          New here? <Link to="/signup">Create a workspace</Link>
        </>
      }
    >
      <form className="stack" onSubmit={submit} noValidate>
        <TextField
          label="Email"
          type="email"
          autoComplete="email"
          value={email}
          onChange={(e) => setEmail(e.target.value)}
          error={errors.fields.email}
          required
        />
        <TextField
          label="Password"
          type="password"
          autoComplete="current-password"
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          error={errors.fields.password}
          required
        />
        <FormError message={errors.form} />
        <button type="submit" className="primary" disabled={login.isPending}>
          {login.isPending ? "Logging in…" : "Log in"}
        </button>
      </form>
    </AuthFrame>
  );
}

export function SignupPage() {
  const signIn = useSignIn();
  const [form, setForm] = useState({ name: "", email: "", password: "", workspace_name: "" });
  const signup = useMutation({
    mutationFn: (body: Schemas["Signup"]) => unwrap(api.POST("/auth/signup", { body })) as Promise<SignedIn>,
    onSuccess: signIn,
  });
  const errors = formErrors(signup.error, ["name", "email", "password", "workspace_name", "timezone"]);
  const set = (key: keyof typeof form) => (e: { target: { value: string } }) =>
    setForm({ ...form, [key]: e.target.value });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    signup.mutate({ ...form, timezone: Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC" });
  };
  return (
    <AuthFrame
      title="Create your workspace"
      footer={
        <>
          Already have an account? <Link to="/login">Log in</Link>
        </>
      }
    >
      <form className="stack" onSubmit={submit} noValidate>
        <TextField
          label="Your name"
          autoComplete="name"
          value={form.name}
          onChange={set("name")}
          error={errors.fields.name}
          required
        />
        <TextField
          label="Work email"
          type="email"
          autoComplete="email"
          value={form.email}
          onChange={set("email")}
          error={errors.fields.email}
          required
        />
        <TextField
          label="Password"
          type="password"
          autoComplete="new-password"
          hint="At least 10 characters"
          value={form.password}
          onChange={set("password")}
          error={errors.fields.password}
          required
        />
        <TextField
          label="Business name"
          autoComplete="organization"
          value={form.workspace_name}
          onChange={set("workspace_name")}
          error={errors.fields.workspace_name}
          required
        />
        <FormError message={errors.form ?? errors.fields.timezone} />
        <button type="submit" className="primary" disabled={signup.isPending}>
          {signup.isPending ? "Creating…" : "Create workspace"}
        </button>
      </form>
    </AuthFrame>
  );
}

export function AcceptInvitePage() {
  const signIn = useSignIn();
  const [params] = useSearchParams();
  const [form, setForm] = useState({ name: "", password: "" });
  const token = params.get("token") ?? "";
  const accept = useMutation({
    mutationFn: (body: Schemas["AcceptInvite"]) =>
      unwrap(api.POST("/auth/accept-invite", { body })) as Promise<SignedIn>,
    onSuccess: signIn,
  });
  const errors = formErrors(accept.error, ["name", "password"]);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    accept.mutate({ token, ...form } as Schemas["AcceptInvite"]);
  };
  return (
    <AuthFrame
      title="Join your team"
      footer={
        <>
          Have an account? <Link to="/login">Log in</Link>
        </>
      }
    >
      {!token ? (
        <FormError message="This invite link is incomplete: open the link from the invite email again." />
      ) : null}
      <form className="stack" onSubmit={submit} noValidate>
        <TextField
          label="Your name"
          autoComplete="name"
          value={form.name}
          onChange={(e) => setForm({ ...form, name: e.target.value })}
          error={errors.fields.name}
        />
        <TextField
          label="Password"
          type="password"
          autoComplete="new-password"
          hint="At least 10 characters"
          value={form.password}
          onChange={(e) => setForm({ ...form, password: e.target.value })}
          error={errors.fields.password}
        />
        <FormError message={errors.form} />
        <button type="submit" className="primary" disabled={accept.isPending || !token}>
          Accept invite
        </button>
      </form>
    </AuthFrame>
  );
}

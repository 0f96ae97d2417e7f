// Every sentence the page shows, in Danish and English. The language follows the browser
// (Danish for da, nb, nn, sv; English otherwise) until the person picks one.

const TEXT = {
  da: {
    title: 'Samspil', tagline: 'Spil sammen med din lærer og dit hold — lige her i browseren.',
    language: 'Sprog', joinHeading: 'Deltag i timen', inviteFor: 'Invitation til', name: 'Dit navn',
    roomCode: 'Rummets kode', join: 'Deltag', leave: 'Forlad rummet', signInHeading: 'Har du et login på musikskolen?',
    login: 'Login (e-mail)', password: 'Adgangskode', signIn: 'Log ind', signedIn: 'Logget ind som {name}.',
    signInFailed: 'Login mislykkedes: {why}',
    headphones: 'Brug høretelefoner. Uden dem hører din mikrofon lyden fra højttalerne, og de andre hører sig selv som ekko. '
      + 'Til musik slår vi ekkodæmpning og støjfilter fra, så dit instrument lyder som det skal.',
    checkSound: 'Tjek mikrofonen', micLevel: 'Mikrofon', micOk: 'Vi kan høre dig.', micSilent: 'Vi hører ingenting — tjek mikrofonen.',
    micDenied: 'Browseren fik ikke lov til at bruge mikrofonen. Tillad den i adresselinjen og prøv igen.',
    unsupported: 'Denne browser kan ikke spille med i Samspil: den mangler {missing}. Brug en ny Chrome, Edge eller Firefox.',
    missingWorklet: 'lydbehandling i realtid (AudioWorklet)', missingWebcodecs: 'lydkodning (WebCodecs)',
    missingOpus: 'Opus-lyd i WebCodecs',
    insecure: 'Siden er åbnet over almindelig http, og så må browseren ikke bruge mikrofonen. Åbn den over https — '
      + 'eller på selve servermaskinen som http://localhost. Sådan sætter skolens IT-ansvarlige https op: ',
    isolation: 'Siden kom uden de sikkerhedsheadere, lyden kræver (cross-origin isolation): står der en proxy foran '
      + 'serveren, skal den sende dem med. Sådan sættes proxyen op: ',
    tlsGuide: 'driftsvejledningen, afsnittet »TLS«',
    connecting: 'Forbinder …', waiting: 'Du er i venteværelset. Læreren lukker dig ind om lidt.', joined: 'Du er med i rummet.',
    reconnecting: 'Forbindelsen røg — prøver igen …', refused: 'Du kom ikke ind: {why}', closed: 'Du har forladt rummet.',
    you: 'Dig', yourLevel: 'Dit niveau', levelOf: 'Niveau for {name}', volume: 'Lydstyrke for {name}', muteFor: 'Sluk {name} for mig', muteMe: 'Sluk min mikrofon',
    inputGain: 'Mikrofonens styrke', delay: '{ms} ms forsinkelse', noAudio: 'ingen lyd', quality: 'Forbindelse: {level}',
    good: 'god', fair: 'nogenlunde', poor: 'dårlig', chat: 'Chat', say: 'Skriv en besked', send: 'Send',
    tempo: 'Rummets tempo: {bpm} BPM {num}/{den} fra {name}', latency: 'Forsinkelse fra de andre: {ms} ms',
    teacher: 'Lærer', admit: 'Luk ind', mute: 'Slå lyd fra', unmute: 'Slå lyd til', remove: 'Send ud', lock: 'Lås rummet',
    unlock: 'Lås rummet op', handOver: 'Giv styringen til', waitingList: 'Venter', nobodyWaiting: 'Ingen venter.',
    mutedByTeacher: 'Læreren har slået din lyd fra.', locked: 'Rummet er låst.',
    recording: '● Timen bliver optaget', notRecorded: 'Ikke med i optagelsen: {names}',
    recordingStarted: 'Læreren er begyndt at optage timen.', recordingStopped: 'Optagelsen er stoppet.',
    startRecording: 'Optag timen', stopRecording: 'Stop optagelsen',
    recordTake: 'Optag et take', takeNeedsMetronome: 'Start rummets metronom først: et take tælles ind på den.',
    takeCountIn: '● Indtælling … {beats}', takeRecording: '● Et take bliver optaget ({bpm} BPM)',
    takeFacts: 'take i {bpm} BPM, {beats}/takt',
    hearClick: 'Hør rummets klik', bpm: 'BPM', startMetronome: 'Start rummets metronom', stopMetronome: 'Stop metronomen',
    roomMetronome: 'Rummets metronom: {bpm} BPM, {beats}/takt (sat af {name})',
    intervalMode: ' · Intervaltilstand: du hører de andre én periode ({seconds} s) senere, præcis på slaget',
    playMode: 'Spil', intervalLive: 'Live', intervalBars1: 'Interval 1 takt', intervalBars2: 'Interval 2 takter',
    intervalBars4: 'Interval 4 takter', intervalBars8: 'Interval 8 takter',
    recordingsHeading: 'Dine optagelser',
    noRecordings: 'Ingen optagelser endnu. Når din lærer optager en time, du er med i, finder du den her bagefter.',
    recordingLength: 'længde {length}', recordingPeople: 'med: {names}', recordingNow: 'Bliver optaget lige nu.',
    recordingInterrupted: 'Optagelsen blev afbrudt, fordi serveren stoppede. Den kan høres op til det sted.',
    mixBeingMade: 'Mixet bliver lavet … det tager et øjeblik.', mixOf: 'Mixet af {title}', downloadMix: 'Hent mixet',
    downloadTrack: 'Hent sporet: {name}', deleteRecording: 'Slet optagelsen',
    confirmDelete: 'Slet optagelsen »{title}« for alle? Det kan ikke fortrydes.',
    recordingsFailed: 'Optagelserne kunne ikke hentes: {why}',
    inviteExpired: 'Invitationen er udløbet. Bed din lærer om et nyt link.',
    inviteWithdrawn: 'Læreren har trukket invitationen tilbage. Bed om et nyt link.',
    inviteUsed: 'Invitationen er allerede brugt. Bed din lærer om et nyt link.',
    inviteUnknown: 'Vi kender ikke den invitation. Tjek linket, eller bed om et nyt.',
    inviteProblem: 'Invitationen virker ikke ({why}).', serverSays: 'Serveren skriver: {why}',
    video: 'Video', cameraOn: 'Tænd kameraet', cameraOff: 'Sluk kameraet', layout: 'Visning', layoutGrid: 'Alle lige store',
    layoutLarge: 'Én stor', selfPreview: 'Dig', pinnedNote: '· vises stort for alle',
    videoPrivacy: 'Video bliver aldrig optaget og aldrig gemt på serveren: billedet går kun direkte videre til de andre i rummet. '
      + 'Kameraet er slukket, til du selv tænder det.',
    videoPaused: 'Video sat på pause: forbindelsen er for svag', cameraIsOff: 'Kameraet er slukket',
    cameraBlocked: 'Læreren har slukket kameraet', waitingForPicture: 'Venter på billedet …',
    cameraBlockedSelf: 'Læreren har slukket dit kamera.', cameraAllowedSelf: 'Du må tænde dit kamera igen.',
    blockCamera: 'Sluk kameraet', allowCamera: 'Tillad kameraet', pin: 'Vis stort for alle', unpin: 'Stop med at vise stort',
    cameraSymbol: 'kameraet er tændt', cameraDenied: 'Browseren fik ikke lov til at bruge kameraet. Tillad det i adresselinjen og prøv igen.',
    showLarge: 'Vis {name} stort',
  },
  en: {
    title: 'Samspil', tagline: 'Play together with your teacher and your group — right here in the browser.',
    language: 'Language', joinHeading: 'Join the lesson', inviteFor: 'Invitation to', name: 'Your name',
    roomCode: 'Room code', join: 'Join', leave: 'Leave the room', signInHeading: 'Do you have a music school login?',
    login: 'Login (email)', password: 'Password', signIn: 'Sign in', signedIn: 'Signed in as {name}.',
    signInFailed: 'Sign-in failed: {why}',
    headphones: 'Use headphones. Without them your microphone picks up the speakers and the others hear themselves as an echo. '
      + 'For music, echo cancellation and noise suppression are off, so your instrument sounds as it should.',
    checkSound: 'Check the microphone', micLevel: 'Microphone', micOk: 'We can hear you.', micSilent: 'We hear nothing — check the microphone.',
    micDenied: 'The browser was not allowed to use the microphone. Allow it in the address bar and try again.',
    unsupported: 'This browser cannot play in Samspil: it lacks {missing}. Use a recent Chrome, Edge or Firefox.',
    missingWorklet: 'real-time audio processing (AudioWorklet)', missingWebcodecs: 'audio coding (WebCodecs)',
    missingOpus: 'Opus audio in WebCodecs',
    insecure: 'This page was opened over plain http, and then the browser may not use the microphone. Open it over https — '
      + 'or on the server machine itself as http://localhost. How the school\'s IT person sets up https: ',
    isolation: 'The page came without the security headers its sound needs (cross-origin isolation): a proxy in front '
      + 'of the server must pass them on. How to set up the proxy: ',
    tlsGuide: 'the operations guide, section “TLS”',
    connecting: 'Connecting …', waiting: 'You are in the waiting room. The teacher will let you in.', joined: 'You are in the room.',
    reconnecting: 'The connection dropped — trying again …', refused: 'Not let in: {why}', closed: 'You left the room.',
    you: 'You', yourLevel: 'Your level', levelOf: 'Level of {name}', volume: 'Volume of {name}', muteFor: 'Mute {name} for me', muteMe: 'Mute my microphone',
    inputGain: 'Microphone level', delay: '{ms} ms delay', noAudio: 'no audio', quality: 'Line: {level}',
    good: 'good', fair: 'fair', poor: 'poor', chat: 'Chat', say: 'Write a message', send: 'Send',
    tempo: "Room's tempo: {bpm} BPM {num}/{den} from {name}", latency: 'Delay from the others: {ms} ms',
    teacher: 'Teacher', admit: 'Let in', mute: 'Mute', unmute: 'Unmute', remove: 'Remove', lock: 'Lock the room',
    unlock: 'Unlock the room', handOver: 'Hand the controls to', waitingList: 'Waiting', nobodyWaiting: 'Nobody is waiting.',
    mutedByTeacher: 'The teacher muted you.', locked: 'The room is locked.',
    recording: '● This lesson is being recorded', notRecorded: 'Not in the recording: {names}',
    recordingStarted: 'The teacher has started recording the lesson.', recordingStopped: 'The recording has stopped.',
    startRecording: 'Record the lesson', stopRecording: 'Stop recording',
    recordTake: 'Record a take', takeNeedsMetronome: 'Start the room\'s metronome first: a take counts in on it.',
    takeCountIn: '● Count-in … {beats}', takeRecording: '● Recording a take ({bpm} BPM)',
    takeFacts: 'take at {bpm} BPM, {beats}/bar',
    hearClick: 'Hear the room\'s click', bpm: 'BPM', startMetronome: 'Start the room\'s metronome', stopMetronome: 'Stop the metronome',
    roomMetronome: 'The room\'s metronome: {bpm} BPM, {beats}/bar (set by {name})',
    intervalMode: ' · Interval mode: you hear the others one interval ({seconds} s) late, exactly on the beat',
    playMode: 'Playing', intervalLive: 'Live', intervalBars1: 'Interval 1 bar', intervalBars2: 'Interval 2 bars',
    intervalBars4: 'Interval 4 bars', intervalBars8: 'Interval 8 bars',
    recordingsHeading: 'Your recordings',
    noRecordings: 'No recordings yet. When your teacher records a lesson you are in, you will find it here afterwards.',
    recordingLength: 'length {length}', recordingPeople: 'with {names}', recordingNow: 'Being recorded right now.',
    recordingInterrupted: 'The recording was cut short because the server stopped. It plays up to that point.',
    mixBeingMade: 'The mix is being made … it takes a moment.', mixOf: 'The mix of {title}', downloadMix: 'Download the mix',
    downloadTrack: 'Download the track: {name}', deleteRecording: 'Delete the recording',
    confirmDelete: 'Delete the recording “{title}” for everyone? This cannot be undone.',
    recordingsFailed: 'Could not fetch the recordings: {why}',
    inviteExpired: 'This invite has expired. Ask your teacher for a new link.',
    inviteWithdrawn: 'The teacher has withdrawn this invite. Ask for a new link.',
    inviteUsed: 'This invite has already been used. Ask your teacher for a new link.',
    inviteUnknown: 'We do not know this invite. Check the link, or ask for a new one.',
    inviteProblem: 'The invite does not work ({why}).', serverSays: 'The server says: {why}',
    video: 'Video', cameraOn: 'Turn camera on', cameraOff: 'Turn camera off', layout: 'Layout', layoutGrid: 'All the same size',
    layoutLarge: 'One large', selfPreview: 'You', pinnedNote: '· shown large to everyone',
    videoPrivacy: 'Video is never recorded and never stored on the server: the picture only passes straight on to the others '
      + 'in the room. Your camera stays off until you turn it on.',
    videoPaused: 'Video paused: the connection is too weak', cameraIsOff: 'The camera is off',
    cameraBlocked: 'The teacher has turned the camera off', waitingForPicture: 'Waiting for the picture …',
    cameraBlockedSelf: 'The teacher has turned your camera off.', cameraAllowedSelf: 'You may turn your camera on again.',
    blockCamera: 'Turn camera off', allowCamera: 'Allow camera', pin: 'Show large to everyone', unpin: 'Stop showing large',
    cameraSymbol: 'camera on', cameraDenied: 'The browser was not allowed to use the camera. Allow it in the address bar and try again.',
    showLarge: 'Show {name} large',
  },
};

export function defaultLanguage(languages = navigator.languages ?? [navigator.language]) {
  const first = (languages[0] ?? 'en').toLowerCase();
  return ['da', 'nb', 'nn', 'no', 'sv'].some((l) => first.startsWith(l)) ? 'da' : 'en';
}

let language = localStorage.getItem('samspil.language') ?? defaultLanguage();

export const currentLanguage = () => language;
export function setLanguage(next) {
  language = TEXT[next] ? next : 'en';
  localStorage.setItem('samspil.language', language);
  document.documentElement.lang = language;
}

/** The sentence `key` in the current language, with {placeholders} filled in. */
export function t(key, values = {}) {
  const text = TEXT[language][key] ?? TEXT.en[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => String(values[name] ?? ''));
}

import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { takeKeyFromFragment } from './api';
import { App } from './app';
import { statusStyles } from './status';
import './styles.css';

takeKeyFromFragment();
document.head.append(Object.assign(document.createElement('style'), { textContent: statusStyles() }));
createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
